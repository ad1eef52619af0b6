import { readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../../src/database/connection/connection.js';
import { applyTarget } from '../../../src/migrations/sql/apply.js';
import { discoverMigrations } from '../../../src/migrations/sql/discover.js';
import type { Catalog } from '../../../src/schema/catalog.js';
import { readServiceCatalog } from '../../../src/schema/schema-docs.js';
import { isCI } from '../../../src/ui/output.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { type DebianPostgres, debianPostgresAvailable, startDebianPostgres } from '../helpers/debian-postgres.js';
import { corpusStatement } from '../helpers/large-corpus.js';
import { applySqlToSchema } from './catalog-fingerprint.js';

/** pg_dump's table of contents: one `-- Name: x; Type: T; Schema: s` line per object it writes. */
function dumpCounts(dump: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const match of dump.matchAll(/^-- Name: .*; Type: ([A-Z ]+); Schema: /gm)) {
    const type = match[1]!;
    counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
}

/** The same counts from what `devup schema` read, in pg_dump's terms. */
function catalogCounts(catalog: Catalog): Record<string, number> {
  const relations = [...catalog.tables, ...catalog.views, ...catalog.composites];
  const constraints = catalog.tables.flatMap((t) => t.constraints);
  const comments = [
    ...relations.flatMap((r) => [r.comment, ...r.columns.map((c) => c.comment), ...r.indexes.map((i) => i.comment)]),
    ...constraints.map((c) => c.comment),
    ...catalog.functions.map((f) => f.comment),
    ...catalog.triggers.map((t) => t.comment),
    ...catalog.enums.map((e) => e.comment),
    ...catalog.domains.map((d) => d.comment),
    ...catalog.sequences.map((s) => s.comment),
    ...catalog.policies.map((p) => p.comment),
  ].filter((c) => c !== null).length;
  const counts: Record<string, number> = {
    TABLE: catalog.tables.length,
    VIEW: catalog.views.filter((v) => v.kind === 'v').length,
    'MATERIALIZED VIEW': catalog.views.filter((v) => v.kind === 'm').length,
    INDEX: relations.reduce((n, r) => n + r.indexes.length, 0),
    CONSTRAINT: constraints.filter((c) => ['p', 'u', 'x'].includes(c.type)).length,
    'FK CONSTRAINT': constraints.filter((c) => c.type === 'f').length,
    FUNCTION: catalog.functions.filter((f) => f.kind !== 'p').length,
    PROCEDURE: catalog.functions.filter((f) => f.kind === 'p').length,
    TRIGGER: catalog.triggers.length,
    TYPE: catalog.enums.length + catalog.composites.length,
    DOMAIN: catalog.domains.length,
    SEQUENCE: catalog.sequences.length,
    POLICY: catalog.policies.length,
    COMMENT: comments,
  };
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));
}

const COMPARED = [
  'TABLE',
  'VIEW',
  'MATERIALIZED VIEW',
  'INDEX',
  'CONSTRAINT',
  'FK CONSTRAINT',
  'FUNCTION',
  'PROCEDURE',
  'TRIGGER',
  'TYPE',
  'DOMAIN',
  'SEQUENCE',
  'POLICY',
  'COMMENT',
];

/** pg_dump's entries of the kinds compared, less those that are not the schema's own (`minus`). */
function comparable(counts: Record<string, number>, minus: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    COMPARED.map((type) => [type, (counts[type] ?? 0) - (minus[type] ?? 0)] as const).filter(([, n]) => n > 0),
  );
}

/** devup_migrations as pg_dump lists it: the table and its primary key. */
const HISTORY = { TABLE: 1, CONSTRAINT: 1 };

const available = debianPostgresAvailable();
if (!available && isCI()) throw new Error(`Debian's PostgreSQL 15 is missing; CI needs it for pg_dump`);

describe.skipIf(!available)("object counts match pg_dump --schema-only on the repo's largest fixtures", () => {
  let server: DebianPostgres;
  let client: pg.Client;
  let ws: Workspace;

  beforeAll(async () => {
    server = await startDebianPostgres();
    client = await connect(server.connection);
    const files: Record<string, string> = {};
    for (let i = 0; i < 240; i++) files[`m/${String(i + 1).padStart(5, '0')}_step.sql`] = corpusStatement(i).up;
    ws = createWorkspace(files);
  });
  afterAll(async () => {
    await client?.end();
    server?.stop();
    ws?.cleanup();
  });

  const fixtures = [
    { service: 'corpus', schema: 'corpus_default', dir: () => `${ws.dir}/m` },
    ...['auth', 'workflow', 'ingestion'].map((service) => ({
      service,
      schema: `${service}_default`,
      dir: () => path.resolve('demo/services', service, 'migrations'),
    })),
  ];

  for (const { service, schema, dir } of fixtures) {
    it(`${service}: tables, indexes, constraints, functions, triggers, sequences, comments`, async () => {
      const migrations = discoverMigrations(dir());
      await applyTarget(client, { service, tenant: 'default', schema, database: undefined, migrations });
      const catalog = await readServiceCatalog(client, { service, schema, database: undefined });
      const dumped = comparable(dumpCounts(server.dumpSchema('postgres', schema)), HISTORY);
      expect(catalogCounts(catalog)).toEqual(dumped);
      expect(dumped.TABLE).toBeGreaterThan(1);
    });
  }

  it('every kind: the same counts, but for the index pg_dump lists for a partition', async () => {
    await client.query('create database every_kind');
    const other = await connect({ ...server.connection, database: 'every_kind' });
    try {
      await applySqlToSchema(
        other,
        'shop_acme',
        readFileSync(path.resolve('test/fixtures/schema/every-kind.sql'), 'utf8'),
      );
      const catalog = await readServiceCatalog(other, { service: 'shop', schema: 'shop_acme', database: undefined });
      // events_2025_at_idx: devup's snapshot creates it through the parent's index.
      const dumped = comparable(dumpCounts(server.dumpSchema('every_kind', 'shop_acme')), { INDEX: 1 });
      expect(catalogCounts(catalog)).toEqual(dumped);
    } finally {
      await other.end();
    }
  });
});
