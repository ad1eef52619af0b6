import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, copyDemo, httpStatus, type RunningCli, runCli, startCli } from './demo-helpers.js';

/** No upper bound: a loaded machine is slow, not wrong. The test runner's own timeout still applies. */
const NO_LIMIT = 2_147_483_647;

describe('devup dev applies a migration saved while it runs (embedded engine)', () => {
  let demo: Awaited<ReturnType<typeof copyDemo>>;
  let cli: RunningCli;
  const args = (...rest: string[]) => [...rest, '--engine', 'embedded', '--config', `${demo.dir}/devup.config.mjs`];
  const authMigrations = () => `${demo.dir}/services/auth/migrations`;

  /** Each service's pid as the running `devup dev` publishes it. */
  const pids = (): Record<string, number | undefined> => {
    const state = JSON.parse(readFileSync(`${demo.dir}/.devup/services.json`, 'utf8')) as {
      services: { name: string; pid?: number; status: string }[];
    };
    return Object.fromEntries(state.services.map((s) => [s.name, s.status === 'ready' ? s.pid : undefined]));
  };

  /** Counts the output's matches, so a test can wait for the next one of a line seen before. */
  const count = (pattern: RegExp) => cli.output().match(new RegExp(pattern, 'g'))?.length ?? 0;
  const nextMatch = (pattern: RegExp) => {
    const seen = count(pattern);
    return new Promise<void>((resolve, reject) => {
      const check = () => (count(pattern) > seen ? resolve() : undefined);
      cli.child.stdout?.on('data', check);
      cli.exited.then((code) => reject(new Error(`devup exited (${code}); output:\n${cli.output()}`)));
    });
  };

  const withDatabase = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const password = readFileSync(`${demo.dir}/.devup/password`, 'utf8').trim();
    const client = new pg.Client({
      host: '127.0.0.1',
      port: Number(demo.env.DEMO_DB_PORT),
      user: 'devup',
      password,
      // The demo sets no database name: devup derives it from the project's.
      database: String(demo.env.DEMO_PROJECT).replace(/[^a-z0-9_]/g, '_'),
    });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  /** The auth schemas whose users table has this column. */
  const schemasWithColumn = (column: string) =>
    withDatabase(async (client) => {
      const { rows } = await client.query<{ table_schema: string }>(
        `select table_schema from information_schema.columns
          where table_name = 'users' and column_name = $1 and table_schema like 'auth\\_%' order by 1`,
        [column],
      );
      return rows.map((row) => row.table_schema);
    });

  const allHealthy = async () => {
    for (const port of demo.ports) expect(await httpStatus(`http://127.0.0.1:${port}/health`)).toBe(200);
  };

  beforeAll(async () => {
    demo = await copyDemo();
    cli = startCli(args('dev'), { cwd: demo.dir, env: demo.env });
    await cli.waitFor(/Watching the migrations of auth, workflow, ingestion/, NO_LIMIT);
  });
  afterAll(async () => {
    cli?.child.kill('SIGINT');
    await cli?.exited;
    await runCli(args('down', '--volumes', '--yes'), { cwd: demo.dir, env: demo.env });
    demo.cleanup();
  });

  it('applies a new auth migration to all three tenants, restarts auth and workflow, leaves ingestion alone', async () => {
    const before = pids();
    const done = nextMatch(/✔ auth migrated; auth, workflow ready again in /);
    writeFileSync(`${authMigrations()}/0007_add_user_locale.sql`, 'alter table users add column locale text;\n');
    await done;

    expect(await schemasWithColumn('locale')).toEqual(['auth_acme', 'auth_default', 'auth_globex']);
    const after = pids();
    expect(after.auth).toBeDefined();
    expect(after.auth).not.toBe(before.auth);
    expect(after.workflow).toBeDefined();
    expect(after.workflow).not.toBe(before.workflow);
    expect(after.ingestion).toBe(before.ingestion);
    await allHealthy();
    expect(cli.output()).toMatch(/auth_globex applied 1 \(0007_add_user_locale\)/);
  });

  it('reports a broken migration in place and keeps every service running; fixing the file applies it', async () => {
    const before = pids();
    const failed = nextMatch(/✗ auth: migration failed; every service keeps running on the old schema/);
    writeFileSync(`${authMigrations()}/0008_add_user_nickname.sql`, 'alter table users add colum nickname text;\n');
    await failed;
    expect(cli.output()).toMatch(/ERROR 42601: syntax error at or near "text"/);
    expect(pids()).toEqual(before);
    await allHealthy();
    expect(await schemasWithColumn('nickname')).toEqual([]);

    const fixed = nextMatch(/✔ auth migrated; auth, workflow ready again in /);
    writeFileSync(`${authMigrations()}/0008_add_user_nickname.sql`, 'alter table users add column nickname text;\n');
    await fixed;
    expect(await schemasWithColumn('nickname')).toEqual(['auth_acme', 'auth_default', 'auth_globex']);
    expect(pids().ingestion).toBe(before.ingestion);
    await allHealthy();
  });

  it('refuses an edited applied migration with a one-line warning and applies nothing, not even a new one', async () => {
    const before = pids();
    const warned = nextMatch(/! auth: applied migrations changed on disk \(0007_add_user_locale edited; in /);
    writeFileSync(`${authMigrations()}/0007_add_user_locale.sql`, 'alter table users add column locale varchar;\n');
    writeFileSync(`${authMigrations()}/0009_add_user_team.sql`, 'alter table users add column team text;\n');
    await warned;
    expect(await schemasWithColumn('team')).toEqual([]);
    expect(pids()).toEqual(before);
    await allHealthy();
  });

  it('in a terminal: one line of keys; s shows the services, r restarts them all, Ctrl-C in raw mode stops cleanly', async () => {
    cli.child.kill('SIGINT');
    expect(await cli.exited, cli.output()).toBe(0);
    // The edit of the test before would stop this start at its migration step.
    writeFileSync(`${authMigrations()}/0007_add_user_locale.sql`, 'alter table users add column locale text;\n');
    // `script` gives devup a pseudo-terminal (stdin and stdout are TTYs) and forwards our keystrokes.
    const { CI: _ci, ...env } = demo.env;
    // A pseudo-terminal starts with no size; give it a usual one.
    const command = `stty cols 160 rows 50; exec ${[process.execPath, CLI, ...args('dev')].map((a) => `'${a}'`).join(' ')}`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], {
      cwd: demo.dir,
      env: { ...env, TERM: 'xterm' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let text = '';
    const checks = new Set<() => void>();
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      for (const check of checks) check();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const seen = (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!pattern.test(stripVTControlCharacters(text))) return;
          checks.delete(check);
          resolve();
        };
        checks.add(check);
        check();
        exited.then((code) => reject(new Error(`exited (${code}) before ${pattern}:\n${text}`)));
      });
    await seen(/Keys: r restart all · m migrate now · s status · c clear · q quit/);
    const before = pids();
    child.stdin.write('s');
    await seen(/^ {2}ingestion\s+ready\s+pid \d+\s+http:/m);
    child.stdin.write('r');
    await seen(/ingestion \* restarted, ready in/);
    await seen(/workflow {2}\* restarted, ready in/);
    const after = pids();
    for (const name of ['auth', 'workflow', 'ingestion']) expect(after[name]).not.toBe(before[name]);
    child.stdin.write('\u0003');
    await seen(/Services stopped\./);
    expect(await exited, text).toBe(0);
  });
});
