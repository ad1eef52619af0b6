import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { copyDemo, ROOT, runCli } from './demo-helpers.js';

let ws: Workspace | undefined;
let demo: Awaited<ReturnType<typeof copyDemo>> | undefined;
afterEach(() => {
  ws?.cleanup();
  demo?.cleanup();
  ws = demo = undefined;
});

const env = { ...process.env, CI: 'true' };

it("the demo's committed docs/database are what `devup schema` builds from zero", async () => {
  demo = await copyDemo();
  const result = await runCli(['schema'], { cwd: demo.dir, env: demo.env });
  expect(result.code, result.output).toBe(0);
  expect(result.output).toMatch(/Built from zero on embedded Postgres .*: 3 services, 15 migrations/);
  expect(result.output).toContain('docs/database: up to date (7 unchanged)');
  const committed = path.join(ROOT, 'demo/docs/database');
  for (const file of readdirSync(committed)) {
    expect(readFileSync(path.join(demo.dir, 'docs/database', file), 'utf8')).toBe(
      readFileSync(path.join(committed, file), 'utf8'),
    );
  }
});

it('refreshes schema.dir when migrate applies migrations, and only then; removes a dropped service', async () => {
  const port = await freePort(49000);
  ws = createWorkspace({
    'devup.config.json': JSON.stringify({
      project: 'devup-e2e-schema',
      database: { engine: 'embedded', port },
      schema: { dir: 'db-docs' },
      services: {
        shop: { migrations: { dir: 'shop/migrations', tenants: ['acme', 'globex'], schema: 'shop_{tenant}' } },
        audit: { migrations: { dir: 'audit/migrations' } },
      },
    }),
    'shop/migrations/0001_customers.sql': 'create table customers (id bigint primary key, email text not null);',
    'audit/migrations/0001_events.sql': 'create table events (id bigint primary key, at timestamptz not null);',
  });
  // As root, the embedded server runs as "postgres", which must reach the data directory.
  chmodSync(ws.dir, 0o755);
  try {
    const first = await runCli(['migrate'], { cwd: ws.dir, env });
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain(
      '✔ Schema docs refreshed, commit them with the migration: db-docs: wrote audit.sql, audit.md, shop.sql, shop.md, README.md',
    );
    const shopSql = () => readFileSync(path.join(ws!.dir, 'db-docs/shop.sql'), 'utf8');
    expect(shopSql()).toContain('CREATE TABLE ${schema}.customers (');
    expect(shopSql()).not.toMatch(/shop_acme|shop_globex/);

    const idle = await runCli(['migrate'], { cwd: ws.dir, env });
    expect(idle.code, idle.output).toBe(0);
    expect(idle.output).not.toContain('Schema docs');

    ws.write(
      'shop/migrations/0002_orders.sql',
      'create table orders (id bigint primary key, customer_id bigint not null references customers (id));',
    );
    const second = await runCli(['migrate'], { cwd: ws.dir, env });
    expect(second.output).toContain('db-docs: wrote shop.sql, shop.md, README.md (2 unchanged)');
    expect(shopSql()).toContain('REFERENCES ${schema}.customers(id)');
    expect(readFileSync(path.join(ws.dir, 'db-docs/shop.md'), 'utf8')).toContain(
      '    customers ||--o{ orders : "customer_id"',
    );

    // What the dev database gives is what a build from zero gives.
    const fromZero = await runCli(['schema'], { cwd: ws.dir, env });
    expect(fromZero.code, fromZero.output).toBe(0);
    expect(fromZero.output).toContain('db-docs: up to date (5 unchanged)');

    const config = JSON.parse(readFileSync(path.join(ws.dir, 'devup.config.json'), 'utf8'));
    config.schema.exclude = ['audit'];
    writeFileSync(path.join(ws.dir, 'devup.config.json'), JSON.stringify(config));
    const excluded = await runCli(['schema', '--from-dev'], { cwd: ws.dir, env });
    expect(excluded.code, excluded.output).toBe(0);
    expect(excluded.output).toContain('db-docs: wrote README.md; removed audit.md, audit.sql (2 unchanged)');
    expect(existsSync(path.join(ws.dir, 'db-docs/audit.sql'))).toBe(false);
  } finally {
    await runCli(['down', '--volumes', '--yes'], { cwd: ws.dir, env });
  }
});

it('never overwrites a file devup did not write: a hand-written README.md survives `devup schema` and the refresh after migrate', async () => {
  const port = await freePort(52100);
  const handWritten = '# Our database notes\n\nWritten by a person.\n';
  const config = (dir: string) =>
    JSON.stringify({
      project: 'harden-copies-schema',
      database: { engine: 'embedded', port },
      schema: { dir },
      services: { shop: { migrations: { dir: 'shop/migrations' } } },
    });
  ws = createWorkspace({
    'devup.config.json': config('docs2'),
    'shop/migrations/0001_customers.sql': 'create table customers (id bigint primary key);',
    'docs2/README.md': handWritten,
    'README.md': handWritten,
  });
  chmodSync(ws.dir, 0o755);
  const read = (file: string) => readFileSync(path.join(ws!.dir, file), 'utf8');
  try {
    const migrated = await runCli(['migrate'], { cwd: ws.dir, env });
    expect(migrated.code, migrated.output).toBe(0);
    expect(migrated.output).toMatch(
      /Could not refresh docs2: schema\.dir .*docs2: README\.md was not written by devup/,
    );
    expect(read('docs2/README.md')).toBe(handWritten);
    expect(existsSync(path.join(ws.dir, 'docs2/shop.sql'))).toBe(false);

    const built = await runCli(['schema'], { cwd: ws.dir, env });
    expect(built.code, built.output).toBe(1);
    expect(built.output).toMatch(
      /schema\.dir .*docs2: README\.md was not written by devup, so devup writes nothing there/,
    );
    expect(built.output).toMatch(/Point schema\.dir at a directory of its own/);
    expect(read('docs2/README.md')).toBe(handWritten);

    // The project root: its own README.md is not devup's either.
    ws.write('devup.config.json', config('.'));
    const atRoot = await runCli(['schema', '--from-dev'], { cwd: ws.dir, env });
    expect(atRoot.code, atRoot.output).toBe(1);
    expect(atRoot.output).toMatch(/README\.md was not written by devup/);
    expect(read('README.md')).toBe(handWritten);
    expect(existsSync(path.join(ws.dir, 'shop.sql'))).toBe(false);
  } finally {
    await runCli(['down', '--volumes', '--yes'], { cwd: ws.dir, env });
  }
});

it('names an unknown service in schema.exclude', async () => {
  ws = createWorkspace({
    'devup.config.json': JSON.stringify({
      schema: { exclude: ['shpo'] },
      services: { shop: { migrations: { dir: 'm' } } },
    }),
    'm/0001_a.sql': 'create table a (id int);',
  });
  const result = await runCli(['schema'], { cwd: ws.dir, env });
  expect(result.code).toBe(1);
  expect(result.output).toContain('schema.exclude: "shpo" names no service (did you mean "shop"?)');
});
