import { readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectionInfo, connect } from '../../../src/database/connection/connection.js';
import { applyTarget } from '../../../src/migrations/sql/apply.js';
import { discoverMigrations } from '../../../src/migrations/sql/discover.js';
import { createHistorySql } from '../../../src/migrations/sql/history.js';
import { substitutePlaceholders } from '../../../src/migrations/sql/placeholders.js';
import { readServiceCatalog, renderSchemaDocs, renderServiceFiles } from '../../../src/schema/schema-docs.js';
import { createTestDatabase } from '../helpers/database.js';
import { applySqlToSchema, catalogFingerprint } from './catalog-fingerprint.js';

const EVERY_KIND = readFileSync(path.resolve('test/fixtures/schema/every-kind.sql'), 'utf8');
const DEMO = path.resolve('demo/services');

type Db = ConnectionInfo & { drop(): Promise<void> };
const databases: Db[] = [];
const clients: pg.Client[] = [];

async function database(): Promise<{ db: Db; client: pg.Client }> {
  const db = await createTestDatabase();
  databases.push(db);
  const client = await connect(db);
  clients.push(client);
  return { db, client };
}

afterAll(async () => {
  for (const client of clients) await client.end();
  for (const db of databases) await db.drop();
});

async function snapshot(client: pg.Client, service: string, schema: string): Promise<Map<string, string>> {
  return renderServiceFiles(service, await readServiceCatalog(client, { service, schema, database: undefined }));
}

describe('a schema with one of every object kind', () => {
  let sql = '';
  let md = '';
  let migrated: pg.Client;

  beforeAll(async () => {
    ({ client: migrated } = await database());
    await applySqlToSchema(migrated, 'shop_acme', EVERY_KIND);
    // Bookkeeping tables of devup and of the tools are no part of the schema.
    await migrated.query(createHistorySql('shop_acme'));
    await migrated.query('create table shop_acme.alembic_version (version_num text primary key)');
    await migrated.query('create table shop_acme.flyway_schema_history (installed_rank int primary key)');
    const files = await snapshot(migrated, 'shop', 'shop_acme');
    sql = files.get('shop.sql')!;
    md = files.get('shop.md')!;
  });

  it('writes each kind to shop.sql, tenant-neutral and without bookkeeping tables', () => {
    for (const expected of [
      'CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA ${schema};',
      'CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public;',
      'CREATE TYPE ${schema}.order_status AS ENUM (',
      "COMMENT ON TYPE ${schema}.order_status IS 'Where an order is in its life';",
      'CREATE DOMAIN ${schema}.positive_amount AS numeric(12,2) NOT NULL',
      'CREATE TYPE ${schema}.money_pair AS (',
      'CREATE SEQUENCE ${schema}.invoice_number_seq',
      'START WITH 1000',
      'CREATE TABLE ${schema}.customers (',
      'id bigint GENERATED ALWAYS AS IDENTITY NOT NULL',
      'email ${schema}.citext NOT NULL',
      "name text DEFAULT 'anonymous'::text NOT NULL",
      'tenant_note text COLLATE "C"',
      "DEFAULT nextval('${schema}.orders_id_seq'::regclass)",
      'GENERATED ALWAYS AS (',
      'CONSTRAINT orders_pkey PRIMARY KEY (id)',
      'CONSTRAINT orders_invoice_unique UNIQUE (invoice_number) DEFERRABLE INITIALLY DEFERRED',
      'CONSTRAINT orders_no_overlap EXCLUDE USING gist',
      'CONSTRAINT positive_amount_check CHECK',
      'WITH (fillfactor=90)',
      'CREATE UNLOGGED TABLE ${schema}.scratch (',
      'PARTITION BY RANGE (at)',
      'CREATE TABLE ${schema}.events_2025 PARTITION OF ${schema}.events',
      "COMMENT ON TABLE ${schema}.customers IS 'People who buy things';",
      "COMMENT ON COLUMN ${schema}.customers.email IS 'Unique, case-insensitive';",
      'ALTER SEQUENCE ${schema}.orders_id_seq OWNED BY ${schema}.orders.id;',
      'ALTER TABLE ${schema}.orders ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES ${schema}.customers(id) ON DELETE CASCADE;',
      'CREATE INDEX orders_status_idx ON ${schema}.orders USING btree (status) WHERE',
      "COMMENT ON INDEX ${schema}.orders_status_idx IS 'Open orders only';",
      'CREATE INDEX events_at_idx ON ${schema}.events USING btree (at);',
      'CREATE VIEW ${schema}.open_orders AS',
      'CREATE MATERIALIZED VIEW ${schema}.order_totals AS',
      'WITH NO DATA;',
      'CREATE OR REPLACE FUNCTION ${schema}.order_count(p_customer bigint)',
      'RETURNS SETOF ${schema}.orders',
      'CREATE OR REPLACE PROCEDURE ${schema}.archive_shipped()',
      'CREATE TRIGGER customers_touch BEFORE INSERT OR UPDATE ON ${schema}.customers FOR EACH ROW EXECUTE FUNCTION ${schema}.touch_customer();',
      "COMMENT ON TRIGGER customers_touch ON ${schema}.customers IS 'Keeps name set';",
      'ALTER TABLE ${schema}.orders ENABLE ROW LEVEL SECURITY;',
      'ALTER TABLE ${schema}.customers FORCE ROW LEVEL SECURITY;',
      'CREATE POLICY orders_by_customer ON ${schema}.orders',
      'AS RESTRICTIVE FOR INSERT TO public',
      "COMMENT ON POLICY orders_by_customer ON ${schema}.orders IS 'Customers see their own orders';",
      "COMMENT ON CONSTRAINT orders_invoice_unique ON ${schema}.orders IS 'One invoice per order';",
      "COMMENT ON SEQUENCE ${schema}.invoice_number_seq IS 'Invoice numbers, in steps of ten';",
      "ALTER TABLE ${schema}.order_lines ADD CONSTRAINT order_lines_sku_check CHECK ((sku <> ''::text)) NOT VALID;",
      'id integer GENERATED BY DEFAULT AS IDENTITY (START WITH 100 INCREMENT BY 5 MINVALUE 1 MAXVALUE 2147483647 CACHE 1)',
      'CREATE VIEW ${schema}.customer_emails WITH (security_barrier=true) AS',
    ]) {
      expect(sql).toContain(expected);
    }
    expect(sql).not.toContain('shop_acme');
    for (const table of ['devup_migrations', 'alembic_version', 'flyway_schema_history'])
      expect(sql).not.toContain(table);
    // Objects of an extension belong to it: citext's functions and operators are not repeated.
    expect(sql).not.toMatch(/FUNCTION \$\{schema\}\.citext/);
    // A view comes after the view it reads from.
    expect(sql.indexOf('CREATE VIEW ${schema}.open_order_count')).toBeGreaterThan(
      sql.indexOf('CREATE VIEW ${schema}.open_orders AS'),
    );
  });

  it('documents each table in shop.md under an ER diagram with the foreign keys as relations', () => {
    expect(md).toContain('```mermaid\nerDiagram\n');
    expect(md).toContain('    customers ||--o{ orders : "customer_id"');
    expect(md).toContain('    orders ||--o{ order_lines : "order_id"');
    expect(md).toMatch(
      / {4}orders \{\n {8}bigint id PK\n {8}bigint customer_id FK\n {8}bigint invoice_number UK\n {4}\}/,
    );
    expect(md).toContain('| email | `citext` | no |  | Unique, case-insensitive |');
    expect(md).toContain("| name | `text` | no | `'anonymous'::text` |  |");
    expect(md).toContain('| id | `bigint` | no | identity (always) |  |');
    expect(md).toContain(
      "| orders_status_idx | `btree (status) WHERE (status <> 'shipped'::order_status)` | Open orders only |",
    );
    expect(md).toContain('**Row-level security**: enabled, forced');
    expect(md).not.toContain('shop_acme');
  });

  it('is the same for another tenant and on every read', async () => {
    const { client: other } = await database();
    await applySqlToSchema(other, 'shop_globex', EVERY_KIND);
    const again = await snapshot(migrated, 'shop', 'shop_acme');
    const globex = await snapshot(other, 'shop', 'shop_globex');
    expect(again.get('shop.sql')).toBe(sql);
    expect(globex.get('shop.sql')).toBe(sql);
    expect(globex.get('shop.md')).toBe(md);
  });

  it('rebuilds the schema: shop.sql applied to an empty schema gives the same catalog', async () => {
    const { client: empty } = await database();
    await empty.query(substitutePlaceholders(sql, { schema: 'rebuilt', tenant: 'default' }).text);
    const skip = ['devup_migrations', 'alembic_version', 'flyway_schema_history'];
    const before = await catalogFingerprint(migrated, 'shop_acme', skip);
    const after = await catalogFingerprint(empty, 'rebuilt');
    expect(before.length).toBeGreaterThan(60);
    expect(after).toEqual(before);
    expect((await snapshot(empty, 'shop', 'rebuilt')).get('shop.sql')).toBe(sql);
  });
});

describe("the demo's services, migrated by devup", () => {
  const services = [
    { service: 'auth', schema: 'auth_default' },
    { service: 'ingestion', schema: 'ingestion_default' },
    { service: 'workflow', schema: 'workflow_default' },
  ];
  let db: Db;
  let client: pg.Client;

  beforeAll(async () => {
    ({ db, client } = await database());
    for (const { service, schema } of services) {
      const migrations = discoverMigrations(path.join(DEMO, service, 'migrations'));
      await applyTarget(client, { service, tenant: 'default', schema, database: undefined, migrations });
    }
  });

  it('renders every service and an index that links their tables', async () => {
    const files = await renderSchemaDocs(
      db,
      services.map((s) => ({ ...s, database: undefined })),
    );
    expect([...files.keys()]).toEqual([
      'auth.sql',
      'auth.md',
      'ingestion.sql',
      'ingestion.md',
      'workflow.sql',
      'workflow.md',
      'README.md',
    ]);
    expect(files.get('README.md')).toContain(
      '| [auth](auth.md) | [api_keys](auth.md#api_keys), [sessions](auth.md#sessions), [users](auth.md#users) |',
    );
    expect(files.get('auth.md')).toContain('    users ||--o{ sessions : "user_id"');
    expect(files.get('auth.sql')).toContain(
      'CREATE UNIQUE INDEX users_email_lower_key ON ${schema}.users USING btree (lower(email));',
    );
  });

  it('leaves out what schema.exclude names: a service, or some tables of one', async () => {
    const files = await renderSchemaDocs(
      db,
      services.map((s) => ({ ...s, database: undefined })),
      { exclude: ['workflow', 'auth.api_*'] },
    );
    expect(files.has('workflow.sql')).toBe(false);
    expect(files.get('auth.sql')).not.toContain('api_keys');
    expect(files.get('auth.sql')).toContain('CREATE TABLE ${schema}.sessions');
  });

  it('rebuilds each service from its snapshot with the same catalog', async () => {
    const { client: empty } = await database();
    for (const { service, schema } of services) {
      const sql = (await snapshot(client, service, schema)).get(`${service}.sql`)!;
      await empty.query(substitutePlaceholders(sql, { schema, tenant: 'default' }).text);
      expect(await catalogFingerprint(empty, schema)).toEqual(
        await catalogFingerprint(client, schema, ['devup_migrations']),
      );
    }
  });
});
