// demo: warm `devup dev` on the demo to "all services ready", and `devup reset --yes` to the same
// line, on a private copy of the demo (its own project name, free ports, its own .devup/).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { liveChildren, onCleanup } from './cleanup.mjs';
import { DOCKER_IMAGE, dockerUnavailable } from './engine.mjs';
import { liveMigrationCase } from './live.mjs';
import { runCases, skippedCase } from './measure.mjs';
import { freePort, log, median, runSync, tail, timeCommand } from './util.mjs';

/** The line `devup dev` prints once every service answers its readiness check. */
export const READY_PATTERN = /all services ready|ready in/i;
const READY_TIMEOUT_MS = 180_000;
const EXIT_TIMEOUT_MS = 30_000;

class Skip extends Error {
  constructor(message) {
    super(message);
    this.skip = true;
  }
}

function vmHwmMiB(pid) {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Starts devup (with `node`, default process.execPath), resolves with the ms until READY_PATTERN
 * appears on stdout (and devup's peak RSS at that moment), then sends SIGINT and waits for devup
 * to exit.
 */
export function untilReady(repo, args, { cwd, env, node = process.execPath }) {
  return new Promise((resolve, reject) => {
    let output = '';
    let pending = '';
    let readyMs;
    let rss;
    const started = process.hrtime.bigint();
    const child = spawn(node, [path.join(repo, 'bin', 'devup.js'), ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    liveChildren.add(child);
    let killTimer;
    const readyTimer = setTimeout(() => {
      if (readyMs === undefined) {
        output += `\n(bench: no ready line after ${READY_TIMEOUT_MS / 1000} s)`;
        child.kill('SIGINT');
        killTimer = setTimeout(() => killGroup(child.pid), EXIT_TIMEOUT_MS);
      }
    }, READY_TIMEOUT_MS);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      if (readyMs === undefined && lines.some((line) => READY_PATTERN.test(line))) {
        readyMs = Number(process.hrtime.bigint() - started) / 1e6;
        rss = vmHwmMiB(child.pid);
        child.kill('SIGINT');
        killTimer = setTimeout(() => killGroup(child.pid), EXIT_TIMEOUT_MS);
      }
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(readyTimer);
      clearTimeout(killTimer);
      liveChildren.delete(child);
      killGroup(child.pid); // services that outlived devup, if any
      if (readyMs === undefined) {
        reject(
          new Skip(
            `devup ${args.join(' ')} exited (${code ?? signal}) without a line matching ${READY_PATTERN}; last output:\n${tail(output, 8)}`,
          ),
        );
      } else resolve({ ms: readyMs, rss, code, output });
    });
  });
}

function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // gone
  }
}

/** The demo rows, for listing them as skipped when the suite cannot run. */
export const DEMO_ROWS = [
  { id: 'demo.dev', label: 'devup dev (warm) → all ready' },
  { id: 'demo.dev-node24', label: 'devup dev (warm, Node 24) → all ready', runtime: 'node24' },
  { id: 'demo.reset', label: 'devup reset --yes → all ready' },
  { id: 'demo.reset-template', label: 'devup reset --yes --no-start (template unchanged)' },
  { id: 'demo.reset-full', label: 'devup reset --yes --no-start (a migration changed)' },
  { id: 'demo.snapshot-restore', label: 'devup snapshot restore (~100 MB) --yes' },
  { id: 'demo.live-migration', label: 'migration saved during devup dev → applied, restarted, ready' },
];

/** Waits until the background `devup tidy-copies` of this config (if any) has finished. */
export async function tidyFinished(config) {
  const running = () =>
    readdirSync('/proc').some((entry) => {
      if (!/^\d+$/.test(entry)) return false;
      try {
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        return cmdline.includes('tidy-copies') && cmdline.includes(config);
      } catch {
        return false;
      }
    });
  while (running()) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** `devup ARGS` to its exit; fails unless the output matches `expected` (the path it took). */
export async function timedDevup(repo, args, expected, { cwd, env }) {
  const { ms, output } = await timeCommand(process.execPath, [path.join(repo, 'bin', 'devup.js'), ...args], {
    cwd,
    env,
  });
  if (!expected.test(output)) throw new Error(`no line matching ${expected}:\n${tail(output, 8)}`);
  return ms;
}

/** Fills the demo database with about `mib` MiB of rows (untimed), and returns its size in MiB. */
async function fillDemoDatabase(dir, env, mib) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    host: '127.0.0.1',
    port: Number(env.DEMO_DB_PORT),
    user: 'devup',
    password: readFileSync(path.join(dir, '.devup', 'password'), 'utf8').trim(),
    database: env.DEMO_PROJECT.replace(/[^a-z0-9_]/g, '_'),
  });
  await client.connect();
  try {
    await client.query('drop table if exists public.bench_fill');
    // ~700 bytes a row on disk.
    await client.query(
      `create table public.bench_fill as select g as id, repeat(md5(g::text), 20) as pad from generate_series(1, ${mib * 1500}) g`,
    );
    const { rows } = await client.query('select pg_database_size(current_database()) as bytes');
    return Number(rows[0].bytes) / 1024 / 1024;
  } finally {
    await client.end();
  }
}

/** Restoring a snapshot of a ~100 MB database, alone (its data would weigh on the other rows). */
async function snapshotRestoreCase({ repo, runs, engine, engineArgs, config, dir, env }) {
  const size = await fillDemoDatabase(dir, env, 100);
  await timedDevup(repo, [...engineArgs, 'snapshot', 'save', 'bench', '--config', config], /Saved snapshot/, {
    cwd: dir,
    env,
  });
  const row = {
    ...DEMO_ROWS[5],
    group: 'demo',
    kind: 'devup',
    note: `engine ${engine}; database of ${size.toFixed(0)} MiB: clones it, swaps it in, checks migrations`,
    prepare: () => tidyFinished(config),
    run: () =>
      timedDevup(repo, [...engineArgs, 'snapshot', 'restore', 'bench', '--yes', '--config', config], /Restored/, {
        cwd: dir,
        env,
      }),
  };
  return runCases([row], runs, { title: 'demo snapshot' });
}

/** `node24`: { binary, version } or { skipped: reason } (see node24.mjs). */
export async function demoSuite({ repo, runs, node24 }) {
  log('\n== demo: `devup dev` (warm) and `devup reset --yes` to "all services ready"');
  const dir = path.join(repo, 'bench', '.work', randomBytes(4).toString('hex'));
  mkdirSync(path.dirname(dir), { recursive: true });
  // Inside the repo, so the demo's `devup` and `pg` imports resolve as they do in demo/.
  cpSync(path.join(repo, 'demo'), dir, {
    recursive: true,
    filter: (src) => !src.includes(`${path.sep}.devup`) && !src.endsWith(`${path.sep}.env`),
  });
  const config = path.join(dir, 'devup.config.mjs');
  const dockerReason = dockerUnavailable();
  const engineArgs = dockerReason ? ['--engine', 'embedded'] : ['--engine', 'docker'];
  const engine = dockerReason ? 'embedded' : `docker (${DOCKER_IMAGE})`;
  const env = {
    ...process.env,
    CI: 'true',
    DEMO_PROJECT: `devup-bench-${process.pid}-demo`,
    DEMO_DB_IMAGE: DOCKER_IMAGE,
    DEMO_DB_PORT: String(await freePort()),
    DEMO_AUTH_PORT: String(await freePort()),
    DEMO_WORKFLOW_PORT: String(await freePort()),
    DEMO_INGESTION_PORT: String(await freePort()),
  };
  log(`  engine: ${engine}${dockerReason ? ` (${dockerReason})` : ''}`);
  const dispose = onCleanup('remove the demo copy', () => {
    runSync(
      process.execPath,
      [path.join(repo, 'bin', 'devup.js'), ...engineArgs, 'down', '--volumes', '--yes', '--config', config],
      {
        cwd: dir,
        env,
        allowFailure: true,
      },
    );
    rmSync(dir, { recursive: true, force: true });
    try {
      rmdirSync(path.dirname(dir)); // bench/.work, when no other run uses it
    } catch {}
  });

  const rss = [];
  const extraMigration = path.join(dir, 'services', 'auth', 'migrations', '0099_bench.sql');
  const devNode24 = { ...DEMO_ROWS[1], group: 'demo', kind: 'devup' };
  const skipped = node24?.binary ? [] : [skippedCase(devNode24, node24?.skipped ?? 'no Node 24 binary')];
  const cases = [
    {
      id: 'demo.dev',
      group: 'demo',
      kind: 'devup',
      label: 'devup dev (warm) → all ready',
      note: `engine ${engine}; 3 services, Postgres running and migrated`,
      run: async () => {
        const result = await untilReady(repo, [...engineArgs, 'dev', '--config', config], { cwd: dir, env });
        if (result.rss !== undefined) rss.push(result.rss);
        return result.ms;
      },
    },
    ...(node24?.binary
      ? [
          {
            ...devNode24,
            note: `engine ${engine}; devup on node ${node24.version} (the services run \`node\` from PATH as in the Node 20 row)`,
            run: async () =>
              (
                await untilReady(repo, [...engineArgs, 'dev', '--config', config], {
                  cwd: dir,
                  env,
                  node: node24.binary,
                })
              ).ms,
          },
        ]
      : []),
    {
      id: 'demo.reset',
      group: 'demo',
      kind: 'devup',
      label: 'devup reset --yes → all ready',
      note: `engine ${engine}; from the template when unchanged (else rebuilds), then starts the services`,
      prepare: () => tidyFinished(config),
      run: async () =>
        (await untilReady(repo, [...engineArgs, 'reset', '--yes', '--config', config], { cwd: dir, env })).ms,
    },
    {
      ...DEMO_ROWS[3],
      group: 'demo',
      kind: 'devup',
      note: `engine ${engine}; replaces the database with its template (a spare clone renamed in), checks migrations`,
      prepare: () => tidyFinished(config),
      run: () =>
        timedDevup(
          repo,
          [...engineArgs, 'reset', '--yes', '--no-start', '--config', config],
          /Reset from the template/,
          {
            cwd: dir,
            env,
          },
        ),
    },
    {
      ...DEMO_ROWS[4],
      group: 'demo',
      kind: 'devup',
      note: `engine ${engine}; a migration file edited before each run: drops the database, migrates, seeds, keeps a new template`,
      prepare: async () => {
        writeFileSync(extraMigration, `-- changed for the benchmark at ${Date.now()}\nselect 1;\n`);
        await tidyFinished(config);
      },
      run: () =>
        timedDevup(repo, [...engineArgs, 'reset', '--yes', '--no-start', '--config', config], /Full rebuild/, {
          cwd: dir,
          env,
        }),
    },
  ];
  try {
    const results = await runCases(cases, runs, { title: 'demo' });
    results.push(...(await snapshotRestoreCase({ repo, runs, engine, engineArgs, config, dir, env })));
    // Last: each of its runs adds a migration to auth, which the template rows above must not see.
    const live = { ...DEMO_ROWS[6], group: 'demo', kind: 'devup' };
    results.push(...(await liveMigrationCase(live, { repo, runs, engine, engineArgs, config, dir, env })));
    return {
      results: [...results, ...skipped],
      engine,
      rss:
        rss.length > 0
          ? {
              medianMiB: median(rss.slice(1)) ?? rss[0],
              samplesMiB: rss,
              method: 'VmHWM of the devup process when ready',
            }
          : undefined,
    };
  } finally {
    dispose();
  }
}
