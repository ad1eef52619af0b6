import { randomBytes } from 'node:crypto';
import { Job } from 'kubernetes-models/batch/v1';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { parse } from 'yaml';
import { connect, withClient } from '../../src/database/connection/connection.js';
import { parseConnectionUrl } from '../../src/database/connection/connection-url.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { createTlsPostgres, startTlsPostgres, type TlsPostgres } from '../integration/helpers/tls-postgres.js';
import { runCli, startCli } from './demo-helpers.js';

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

it('--wait: waits for a server that is not up yet, says so every few seconds, then migrates', async () => {
  ws = project();
  const late = await createTlsPostgres();
  try {
    const url = `postgresql://devup@localhost:${late.port}/postgres?sslmode=verify-full&sslrootcert=${late.caFile}`;
    const running = startCli(['--engine', 'external', 'migrate', '--wait', '10m'], {
      cwd: ws.dir,
      env: { ...process.env, CI: 'true', DATABASE_URL: url },
    });
    await running.waitFor(/Waiting for Postgres at localhost:\d+ \(ECONNREFUSED\): \d+ s of 600 s/, 600_000);
    late.start();
    expect(await running.exited, running.output()).toBe(0);
    expect(running.output()).toMatch(/api_default applied 2/);
  } finally {
    late.stop();
  }
});

it('--wait that runs out, and a host that never resolves: one error, exit 1, nothing applied', async () => {
  ws = project();
  const database = await freshDatabase();
  const closed = `postgresql://devup@localhost:${server.port + 1}/${database}?sslmode=require`;
  const outOfTime = await cli(['migrate', '--wait', '1s'], closed);
  expect(outOfTime.code).toBe(1);
  expect(outOfTime.output).toContain(
    `Postgres at localhost:${server.port + 1} did not answer within 1 s (--wait): ECONNREFUSED`,
  );
  const nowhere = await cli(['migrate', '--wait', '500ms'], `postgresql://devup@devup-not-yet.invalid/${database}`);
  expect(nowhere.code).toBe(1);
  expect(nowhere.output).toMatch(
    /devup-not-yet\.invalid:5432 did not answer within 500 ms \(--wait\): (ENOTFOUND|EAI_AGAIN)/,
  );
  expect((await cli(['migrate', '--wait', 'soon'], closed)).code).toBe(2);
  expect(await schemas(database)).toEqual([]);
});

it('--lock-timeout: a migration behind live traffic fails naming the table and the blocker', async () => {
  ws = project();
  const database = await freshDatabase();
  const url = tlsUrl(database);
  expect((await cli(['migrate'], url)).code).toBe(0);
  ws.write('api/migrations/0003_email.sql', 'alter table notes add column email text;');
  const traffic = await connect(parseConnectionUrl(url, {}));
  try {
    await traffic.query('begin; select * from api_default.notes');
    const { rows } = await traffic.query('select pg_backend_pid() as pid');
    const blocked = await cli(['migrate', '--lock-timeout', '200ms', '--statement-timeout', '1m'], url);
    expect(blocked.code).toBe(1);
    expect(blocked.output).toContain(
      `could not lock table api_default.notes, held by pid ${rows[0].pid} (lock_timeout, 5 attempts)`,
    );
    expect(blocked.output).toContain('its last query: select pg_backend_pid() as pid');
  } finally {
    await traffic.end();
  }
  expect((await cli(['migrate', '--lock-timeout', '200ms'], url)).code).toBe(0);
});

it('deploy k8s prints the Job as YAML the Kubernetes schema accepts', async () => {
  ws = project();
  const { code, output } = await runCli(['deploy', 'k8s', '--helm-hook', '--image', 'registry.example.com/m:1.4.0'], {
    cwd: ws.dir,
    env: { ...process.env, CI: 'true' },
  });
  expect(code).toBe(0);
  expect(output).not.toContain('*a1');
  const job = new Job(parse(output));
  job.validate();
  expect(job.metadata?.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
  expect(job.spec?.template.spec?.containers[0]?.image).toBe('registry.example.com/m:1.4.0');
});

it('deploy k8s derives every name from one DNS stem and refuses flags Kubernetes would reject', async () => {
  ws = createWorkspace({
    'devup.config.json': JSON.stringify({
      project: 'my_proj',
      services: { api: { cwd: 'api', migrations: { dir: 'migrations' } } },
    }),
    'api/migrations/0001_notes.sql': 'create table notes (id int primary key);',
  });
  const env = { ...process.env, CI: 'true' };
  const { code, output } = await runCli(['deploy', 'k8s'], { cwd: ws.dir, env });
  expect(code, output).toBe(0);
  const job = new Job(parse(output));
  job.validate();
  const container = job.spec?.template.spec?.containers[0];
  expect(job.metadata?.name).toBe('my-proj-migrate');
  expect(container?.env?.[0]?.valueFrom?.secretKeyRef?.name).toBe('my-proj-database');
  expect(container?.image).toBe('my-proj-migrations:latest');

  const secret = await runCli(['deploy', 'k8s', '--secret', 'Bad_Secret!'], { cwd: ws.dir, env });
  expect(secret.code).toBe(2);
  expect(secret.output).toContain('--secret "Bad_Secret!": not a Kubernetes Secret name');
  expect(secret.output).not.toContain('kind: Job');
  const image = await runCli(['deploy', 'k8s', '--image', ''], { cwd: ws.dir, env });
  expect(image.code).toBe(2);
  expect(image.output).toContain('--image "": not an image reference');
});
