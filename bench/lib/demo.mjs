// demo: warm `devup dev` on the demo to "all services ready", and `devup reset --yes` to the same
// line, on a private copy of the demo (its own project name, free ports, its own .devup/).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { liveChildren, onCleanup } from './cleanup.mjs';
import { DOCKER_IMAGE, dockerUnavailable } from './engine.mjs';
import { liveMigrationMs } from './live.mjs';
import { runCases, skippedCase } from './measure.mjs';
import { freePort, log, median, runSync, tail } from './util.mjs';

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
function untilReady(repo, args, { cwd, env, node = process.execPath }) {
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
  { id: 'demo.live-migration', label: 'migration saved during devup dev → applied, restarted, ready' },
];

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
      note: `engine ${engine}; destroys and recreates the database, migrates, seeds, starts`,
      run: async () =>
        (await untilReady(repo, [...engineArgs, 'reset', '--yes', '--config', config], { cwd: dir, env })).ms,
    },
    {
      id: 'demo.live-migration',
      group: 'demo',
      kind: 'devup',
      label: 'migration saved during devup dev → applied, restarted, ready',
      note: `engine ${engine}; a new auth migration → 3 tenants migrated, auth and workflow restarted and ready`,
      run: () =>
        liveMigrationMs(repo, [...engineArgs, 'dev', '--config', config], {
          cwd: dir,
          env,
          migrationsDir: path.join(dir, 'services', 'auth', 'migrations'),
        }),
    },
  ];
  try {
    const results = await runCases(cases, runs, { title: 'demo' });
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
