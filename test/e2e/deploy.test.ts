import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { withClient } from '../../src/database/connection.js';
import { parseConnectionUrl } from '../../src/database/connection-url.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { startTlsPostgres, type TlsPostgres } from '../integration/helpers/tls-postgres.js';
import { runCli } from './demo-helpers.js';

// The deploy path: the built CLI, `--engine external`, a TLS-only server (verify-full).
let server: TlsPostgres;
let ws: Workspace | undefined;
beforeAll(async () => {
  server = await startTlsPostgres();
});
afterAll(() => server?.stop());
afterEach(() => ws?.cleanup());

const tlsUrl = (database: string, query: Record<string, string> = {}) =>
  `postgresql://devup@localhost:${server.port}/${database}?${new URLSearchParams({ sslmode: 'verify-full', sslrootcert: server.caFile, ...query })}`;

async function freshDatabase(): Promise<string> {
  const name = `deploy_${randomBytes(4).toString('hex')}`;
  await withClient(parseConnectionUrl(tlsUrl('postgres'), {}), (c) => c.query(`create database ${name}`));
  return name;
}

async function schemas(database: string): Promise<string[]> {
  return withClient(parseConnectionUrl(tlsUrl(database), {}), async (c) => {
    const { rows } = await c.query("select nspname from pg_namespace where nspname like 'api%' order by 1");
    return rows.map((r) => r.nspname);
  });
}

function project(): Workspace {
  return createWorkspace({
    'devup.config.json': JSON.stringify({
      project: 'deploy-e2e',
      services: { api: { cwd: 'api', migrations: { dir: 'migrations' } } },
    }),
    'api/migrations/0001_notes.sql': 'create table notes (id int primary key);',
    'api/migrations/0002_tags.sql': 'create table tags (id int primary key);',
  });
}

const cli = (args: string[], url: string, extra: NodeJS.ProcessEnv = {}) =>
  runCli(['--engine', 'external', ...args], {
    cwd: (ws as Workspace).dir,
    env: { ...process.env, CI: 'true', DATABASE_URL: url, ...extra },
  });

it('gates on pending migrations: status --exit-code 3, migrate over verify-full, then 0', async () => {
  ws = project();
  const url = tlsUrl(await freshDatabase());
  const before = await cli(['migrate', 'status', '--exit-code'], url);
  expect(before.output).toContain('2 pending migrations');
  expect(before.code).toBe(3);
  const migrated = await cli(['migrate', '--strict'], url);
  expect(migrated.code, migrated.output).toBe(0);
  const after = await cli(['--json', 'migrate', 'status', '--exit-code'], url);
  expect(after.code).toBe(0);
  expect(JSON.parse(after.output.trim().split('\n').at(-1) as string)).toMatchObject({ pending: false });
  // Without the flag, pending work is not a failure.
  ws.write('api/migrations/0003_more.sql', 'create table more (id int);');
  expect((await cli(['migrate', 'status'], url)).code).toBe(0);
  expect((await cli(['migrate', 'status', '--exit-code'], url)).code).toBe(3);
});

it('an unknown sslmode or an unreadable certificate: one clear error, exit 1, nothing applied', async () => {
  ws = project();
  const database = await freshDatabase();
  const badMode = await cli(['migrate'], tlsUrl(database, { sslmode: 'verify' }));
  expect(badMode.code).toBe(1);
  expect(badMode.output).toContain('sslmode "verify" in DATABASE_URL is not one devup knows');
  expect(badMode.output).not.toMatch(/\n\s+at /);
  const missing = `${server.dir}/nope.pem`;
  const badFile = await cli(['migrate'], tlsUrl(database, { sslrootcert: missing }));
  expect(badFile.code).toBe(1);
  expect(badFile.output).toContain(`cannot read sslrootcert "${missing}" (ENOENT)`);
  const badStatus = await cli(['migrate', 'status', '--exit-code'], tlsUrl(database, { sslmode: 'verify' }));
  expect(badStatus.code).toBe(1);
  expect(await schemas(database)).toEqual([]);
});
