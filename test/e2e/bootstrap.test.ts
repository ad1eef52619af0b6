import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { runCli } from './demo-helpers.js';

const env = { ...process.env, CI: 'true', GITHUB_ACTIONS: '' };

describe("migrations.bootstrap: 'schema' through the built CLI", () => {
  let ws: Workspace;
  const devup = (...args: string[]) => runCli(args, { cwd: ws.dir, env });
  const configFile = () => path.join(ws.dir, 'devup.config.json');
  const setTenants = (tenants: string[]) => {
    const config = JSON.parse(readFileSync(configFile(), 'utf8'));
    config.services.shop.migrations.tenants = tenants;
    writeFileSync(configFile(), JSON.stringify(config));
  };

  beforeAll(async () => {
    ws = createWorkspace({
      'devup.config.json': JSON.stringify({
        project: 'workflows-e2e-bootstrap',
        database: { engine: 'embedded', port: await freePort(59300) },
        services: {
          shop: { migrations: { dir: 'migrations', tenants: ['acme'], schema: 'shop_{tenant}', bootstrap: 'schema' } },
        },
      }),
      'migrations/0001_customers.sql':
        'create table customers (id bigint generated always as identity primary key, email text not null);\n',
      'migrations/0002_orders.sql':
        'create table orders (id bigint primary key, customer_id bigint references customers);\ncreate index orders_customer on orders (customer_id);\n',
      'migrations/0003_total.sql':
        'create function order_count() returns bigint language sql as $$ select count(*) from orders $$;\n',
    });
    chmodSync(ws.dir, 0o755);
  });
  afterAll(async () => {
    if (!ws) return;
    await devup('down', '--volumes', '--yes');
    ws.cleanup();
  });

  it('a fresh target is built from the sealed snapshot `devup schema` wrote, then newer migrations apply', async () => {
    const schema = await devup('schema');
    expect(schema.code, schema.output).toBe(0);
    expect(readFileSync(path.join(ws.dir, 'docs/database/shop.sql'), 'utf8')).toMatch(
      /-- devup:covers 3 0003_total [0-9a-f]{64}\n-- devup:snapshot [0-9a-f]{64}\n$/,
    );
    ws.write('migrations/0004_note.sql', 'alter table orders add column note text;\n');
    try {
      const run = await devup('migrate');
      expect(run.output).toMatch(/shop_acme applied 4 \(0001_customers … 0004_note\)/);
      expect(run.code).toBe(0);
      // Recorded as applied from the snapshot (no time of their own), the newer one run as usual.
      const status = await devup('migrate', 'status', '--json');
      const applied = JSON.parse(status.output.trim()).targets[0].applied as { name: string; executionMs: number }[];
      expect(applied.map((a) => a.name)).toEqual(['0001_customers', '0002_orders', '0003_total', '0004_note']);
      expect(applied.slice(0, 3).map((a) => a.executionMs)).toEqual([0, 0, 0]);
    } finally {
      ws.remove('migrations/0004_note.sql');
    }
  });

  it('devup check proves the snapshot builds what the migrations build', async () => {
    expect((await devup('schema')).code).toBe(0);
    const check = await devup('check');
    expect(check.output).toMatch(/✔ shop +bootstrap +docs\/database\/shop\.sql builds the schema the migrations build/);
    expect(check.code, check.output).toBe(0);
  });

  it('a snapshot edited by hand is refused by migrate and by check, and nothing is applied', async () => {
    const file = path.join(ws.dir, 'docs/database/shop.sql');
    const sealed = readFileSync(file, 'utf8');
    writeFileSync(file, sealed.replace('email text NOT NULL', 'email text'));
    try {
      setTenants(['acme', 'globex']);
      const run = await devup('migrate');
      expect(run.code).toBe(1);
      expect(run.output).toMatch(
        /shop_globex: cannot build it from .*shop\.sql: it was changed after `devup schema` wrote it/,
      );
      const status = await devup('migrate', 'status');
      expect(status.output).toMatch(/shop_globex\n(?:.*\n){0,3}.*0 applied, 3 pending/);
      const check = await devup('check');
      expect(check.output).toMatch(/✖ shop +bootstrap +the snapshot does not build a target/);
      expect(check.code).toBe(1);
    } finally {
      writeFileSync(file, sealed);
      setTenants(['acme']);
    }
  });
});
