import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { CLI, runCli } from './demo-helpers.js';

const env = { ...process.env, CI: 'true' };

interface StatusTarget {
  schema: string;
  contexts: string[];
  applied: { name: string }[];
  pending: { name: string }[];
  changed: { name: string }[];
  skipped: { name: string; contexts: string[] }[];
  tags?: { name: string; at: string | null; taggedAt: string }[];
}

function statusOf(output: string): StatusTarget[] {
  return (JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as { targets: StatusTarget[] }).targets;
}

// One project on the embedded engine for the whole file: migrations, seeds and tags of one
// service in two tenants, driven through the built CLI and read back from Postgres itself.
describe('contexts and tags on the SQL engine, through the built CLI', () => {
  let ws: Workspace;
  let port = 0;
  const devup = (...args: string[]) => runCli(args, { cwd: ws.dir, env });
  const query = async (sql: string) => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'devup', password: 'wf-secret', database: 'shop' });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    port = await freePort(59100);
    ws = createWorkspace({
      'devup.config.json': JSON.stringify({
        project: 'workflows-e2e-contexts',
        database: { engine: 'embedded', port, password: 'wf-secret', database: 'shop' },
        services: {
          api: {
            migrations: { dir: 'migrations', tenants: ['acme', 'globex'], schema: 'api_{tenant}' },
            seed: 'seeds/*.sql',
          },
        },
      }),
      'migrations/0001_users.sql':
        '-- migrate:up\ncreate table users (id bigint primary key, email text not null);\n-- migrate:down\ndrop table users;\n',
      'migrations/0002_demo_users.sql':
        "-- migrate:up\n-- devup:context dev,test\ninsert into users values (1, 'demo@example.com');\n-- migrate:down\ndelete from users where id = 1;\n",
      'migrations/0003_orders.sql':
        '-- migrate:up\ncreate table orders (id bigint primary key, user_id bigint);\n-- migrate:down\ndrop table orders;\n',
      'seeds/01_everywhere.sql': 'insert into orders values (100, null);\n',
      'seeds/02_test_only.sql': '-- devup:context test\ninsert into orders values (200, null);\n',
    });
    // As root, the embedded server runs as "postgres", which must reach the data directory.
    chmodSync(ws.dir, 0o755);
  });
  afterAll(async () => {
    if (!ws) return;
    await devup('down', '--volumes', '--yes');
    ws.cleanup();
  });

  it('migrate --context production skips the dev,test migration and status names what it skips', async () => {
    const run = await devup('migrate', '--context', 'production');
    expect(run.output).toMatch(/api_acme applied 2 \(0001_users, 0003_orders\)/);
    expect(run.code).toBe(0);
    expect(await query('select count(*)::int as n from api_acme.users')).toEqual([{ n: 0 }]);

    const text = await devup('migrate', 'status', '--context', 'production');
    expect(text.output).toMatch(/- 0002_demo_users +skipped: only in dev, test \(this run: production\)/);
    expect(text.output).toMatch(/2 applied, 0 pending, 1 skipped/);
    const json = statusOf((await devup('migrate', 'status', '--context', 'production', '--json')).output);
    expect(json.map((t) => t.skipped)).toEqual([
      [{ version: '2', name: '0002_demo_users', contexts: ['dev', 'test'] }],
      [{ version: '2', name: '0002_demo_users', contexts: ['dev', 'test'] }],
    ]);
    // Seen from the default context (dev) the same migration is simply pending.
    const dev = statusOf((await devup('migrate', 'status', '--json')).output);
    expect(dev[0]?.contexts).toEqual(['dev']);
    expect(dev[0]?.pending.map((p) => p.name)).toEqual(['0002_demo_users']);
  });

  it('a plain migrate runs the dev context: the skipped migration applies, not out of order', async () => {
    const run = await devup('migrate');
    expect(run.output).toMatch(/api_acme applied 1 \(0002_demo_users\)/);
    expect(run.output).not.toMatch(/out of order/);
    expect(run.code).toBe(0);
    expect(await query('select email from api_globex.users')).toEqual([{ email: 'demo@example.com' }]);
    const again = statusOf((await devup('migrate', 'status', '--context', 'production', '--json')).output);
    expect(again[0]?.applied.map((a) => a.name)).toEqual(['0001_users', '0002_demo_users', '0003_orders']);
    expect(again[0]?.skipped).toEqual([]);
  });

  it('changing the contexts of a migration that ran is reported as an edit', async () => {
    const file = 'migrations/0002_demo_users.sql';
    ws.write(
      file,
      "-- migrate:up\n-- devup:context test\ninsert into users values (1, 'demo@example.com');\n-- migrate:down\ndelete from users where id = 1;\n",
    );
    try {
      const status = await devup('migrate', 'status');
      expect(status.output).toMatch(/≠ 0002_demo_users +changed since applied/);
      const refused = await devup('migrate');
      expect(refused.code).toBe(1);
      expect(refused.output).toMatch(/an applied migration was changed since it ran/);
      expect(refused.output).toMatch(/0002_demo_users\.sql/);
    } finally {
      ws.write(
        file,
        "-- migrate:up\n-- devup:context dev,test\ninsert into users values (1, 'demo@example.com');\n-- migrate:down\ndelete from users where id = 1;\n",
      );
    }
  });

  it('seed files follow the context too: a reset in dev seeds the plain file, not the test-only one', async () => {
    const reset = await devup('reset', '--yes', '--no-start');
    expect(reset.code, reset.output).toBe(0);
    expect(await query('select id::int from api_acme.orders order by id')).toEqual([{ id: 100 }]);
  });

  const dbmate = (up: string, down?: string) => `-- migrate:up\n${up}\n${down ? `-- migrate:down\n${down}\n` : ''}`;
  const tablesOf = async (schema: string) =>
    (
      await query(
        `select table_name::text as t from information_schema.tables where table_schema = '${schema}' and table_name not like 'devup%' order by 1`,
      )
    ).map((r) => r.t);

  it('migrate tag records per target the migration it is at; status shows it; a second tag of that name is refused', async () => {
    const tag = await devup('migrate', 'tag', 'release-1');
    expect(tag.output).toMatch(/✔ api_acme: tagged release-1 at 0003_orders/);
    expect(tag.output).toMatch(/✔ api_globex: tagged release-1 at 0003_orders/);
    expect(tag.code).toBe(0);
    expect((await devup('migrate', 'status')).output).toMatch(/tags: release-1 → 0003_orders/);
    const json = statusOf((await devup('migrate', 'status', '--json')).output);
    expect(json[0]?.tags?.map((t) => [t.name, t.at])).toEqual([['release-1', '0003_orders']]);
    const again = await devup('migrate', 'tag', 'release-1');
    expect(again.code).toBe(1);
    expect(again.output).toMatch(/tag release-1 exists already; nothing was tagged/);
    expect(again.output).toMatch(/--force/);
  });

  it('tags survive a reset from the template (taken before the tag was made), with when they were made', async () => {
    const before = statusOf((await devup('migrate', 'status', '--json')).output)[0]?.tags?.[0]?.taggedAt;
    expect(before).toMatch(/^\d{4}-/);
    const reset = await devup('reset', '--yes', '--no-start');
    expect(reset.output).toMatch(/Reset from the template/);
    expect(reset.code).toBe(0);
    const json = statusOf((await devup('migrate', 'status', '--json')).output);
    expect(json.map((t) => t.tags?.map((tag) => `${tag.name}@${tag.at}`))).toEqual([
      ['release-1@0003_orders'],
      ['release-1@0003_orders'],
    ]);
    expect(json[0]?.tags?.[0]?.taggedAt).toBe(before);
  });

  it('down --to-tag refuses an unknown tag, a tag some targets lack, and a migration on the way without a down', async () => {
    ws.write('migrations/0004_invoices.sql', dbmate('create table invoices (id bigint);', 'drop table invoices;'));
    ws.write('migrations/0005_audit.sql', dbmate('create table audit (id bigint);'));
    expect((await devup('migrate')).code).toBe(0);

    const unknown = await devup('migrate', 'down', '--to-tag', 'nope', '--yes');
    expect(unknown.code).toBe(1);
    expect(unknown.output).toMatch(/no selected target has the tag nope/);
    expect(unknown.output).toMatch(/Tags: release-1/);

    expect((await devup('migrate', 'tag', 'acme-only', '--tenant', 'acme')).code).toBe(0);
    const partial = await devup('migrate', 'down', '--to-tag', 'acme-only', '--yes');
    expect(partial.code).toBe(1);
    expect(partial.output).toMatch(/tag acme-only is not on every selected target; nothing was rolled back/);
    expect(partial.output).toMatch(/without it: api_globex/);

    const noDown = await devup('migrate', 'down', '--to-tag', 'release-1', '--yes');
    expect(noDown.code).toBe(1);
    expect(noDown.output).toMatch(/cannot roll back to tag release-1/);
    expect(noDown.output).toMatch(/api_acme: 0005_audit has no down section/);
    expect(await tablesOf('api_acme')).toEqual(['audit', 'invoices', 'orders', 'users']);
  });

  it('down --to-tag rolls every target back to its tag through the down sections', async () => {
    expect((await devup('migrate', 'tag', 'release-2')).output).toMatch(/api_globex: tagged release-2 at 0005_audit/);
    ws.write('migrations/0006_refunds.sql', dbmate('create table refunds (id bigint);', 'drop table refunds;'));
    expect((await devup('migrate')).code).toBe(0);
    const toTwo = await devup('migrate', 'down', '--to-tag', 'release-2', '--yes');
    expect(toTwo.output).toMatch(/✔ api_acme: rolled back 0006_refunds \(now at release-2\)/);
    expect(toTwo.code).toBe(0);
    expect(await tablesOf('api_globex')).toEqual(['audit', 'invoices', 'orders', 'users']);

    // Given a down, accepted as the file that ran, the way back to release-1 is open.
    ws.write('migrations/0005_audit.sql', dbmate('create table audit (id bigint);', 'drop table audit;'));
    expect((await devup('migrate', 'repair', '--yes')).code).toBe(0);
    const toOne = await devup('migrate', 'down', '--to-tag', 'release-1', '--yes');
    expect(toOne.output).toMatch(/✔ api_globex: rolled back 0005_audit, 0004_invoices \(now at release-1\)/);
    expect(toOne.code).toBe(0);
    expect(await tablesOf('api_acme')).toEqual(['orders', 'users']);
    const status = statusOf((await devup('migrate', 'status', '--json')).output);
    expect(status[0]?.pending.map((p) => p.name)).toEqual(['0004_invoices', '0005_audit', '0006_refunds']);
    expect((await devup('migrate', 'down', '--to-tag', 'release-1', '--yes')).output).toMatch(/Nothing to roll back/);
  });

  it('deploy k8s: the Job takes --context; without it, stderr says which migrations the dev context would run', () => {
    const job = (...args: string[]) =>
      spawnSync(process.execPath, [CLI, 'deploy', 'k8s', ...args], { cwd: ws.dir, env, encoding: 'utf8' });
    const plain = job();
    expect(plain.status).toBe(0);
    expect(plain.stderr).toMatch(
      /The Job runs the context dev \(migrations\.context\): 0002_demo_users would run in the deploy/,
    );
    expect(plain.stdout).not.toMatch(/--context/);
    const production = job('--context', 'production');
    expect(production.status).toBe(0);
    expect(production.stderr).toBe('');
    expect(production.stdout).toMatch(/- --context\n\s+- production\n/);
  });

  it('a bad --context is refused before anything runs', async () => {
    const run = await devup('migrate', '--context', 'prod;drop');
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/--context prod;drop: not a context name: prod;drop/);
    expect(run.output).not.toMatch(/\n\s+at /);
  });
});
