// infra: what two infra entries already running add to a warm `devup dev` (issue 27's ≤ 20 ms).
// Paired on one workspace and one Postgres: the same config with and without its two Redis
// entries, so the only difference between the rows is the infra step.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { onCleanup } from './cleanup.mjs';
import { untilReady } from './demo.mjs';
import { DOCKER_IMAGE, dockerUnavailable } from './engine.mjs';
import { runCases, skippedCase } from './measure.mjs';
import { freePort, log, runSync } from './util.mjs';

const REDIS_IMAGE = process.env.BENCH_REDIS_IMAGE ?? 'devup-test/redis:7';

export const INFRA_ROWS = [
  { id: 'infra.none', label: 'devup dev (warm), no infra → all ready' },
  { id: 'infra.two-redis', label: 'devup dev (warm), 2 Redis running → all ready' },
];

function unavailable() {
  const docker = dockerUnavailable();
  if (docker) return docker;
  const inspected = spawnSync('docker', ['image', 'inspect', REDIS_IMAGE], { stdio: 'ignore' });
  return inspected.status === 0
    ? undefined
    : `image ${REDIS_IMAGE} is missing (scripts/build-redis-image.sh builds it)`;
}

/** One service (a TCP listener), Postgres in Docker, and two Redis entries when BENCH_INFRA is set. */
function writeWorkspace(dir, ports) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'devup.config.mjs'),
    `export default {
  project: 'devup-bench-${process.pid}-infra',
  database: { engine: 'docker', image: '${DOCKER_IMAGE}', port: ${ports.db} },
  infra: process.env.BENCH_INFRA
    ? {
        cache: { kind: 'redis', image: '${REDIS_IMAGE}', ports: { 6379: ${ports.cache} } },
        queue: { kind: 'redis', image: '${REDIS_IMAGE}', ports: { 6379: ${ports.queue} } },
      }
    : {},
  services: { app: { command: 'node app.cjs', port: ${ports.app}, ready: { tcp: ${ports.app} } } },
};
`,
  );
  writeFileSync(
    path.join(dir, 'app.cjs'),
    `require('node:net').createServer(() => {}).listen(${ports.app}, '127.0.0.1');\n`,
  );
}

async function untilHealthy(containers) {
  for (;;) {
    const listed = spawnSync('docker', ['ps', '--format', '{{.Names}} {{.Status}}'], { encoding: 'utf8' }).stdout;
    const healthy = containers.filter((name) => new RegExp(`^${name} .*\\(healthy\\)`, 'm').test(listed));
    if (healthy.length === containers.length) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function infraSuite({ repo, tempRoot, runs }) {
  log('\n== infra: warm `devup dev` with two infra entries running vs none');
  const reason = unavailable();
  if (reason) {
    log(`  skipped: ${reason}`);
    return INFRA_ROWS.map((row) => skippedCase({ ...row, group: 'infra', kind: 'devup' }, reason));
  }
  const dir = path.join(tempRoot, 'infra');
  const ports = { db: await freePort(), cache: await freePort(), queue: await freePort(), app: await freePort() };
  writeWorkspace(dir, ports);
  const env = { ...process.env, CI: 'true' };
  const withInfra = { ...env, BENCH_INFRA: '1' };
  const devup = (args, e) =>
    runSync(process.execPath, [path.join(repo, 'bin', 'devup.js'), ...args], { cwd: dir, env: e, allowFailure: true });
  const dispose = onCleanup('devup down --volumes (infra)', () => {
    devup(['down', '--volumes', '--yes'], withInfra);
    rmSync(dir, { recursive: true, force: true });
  });
  const dev = (e) => async () => (await untilReady(repo, ['dev'], { cwd: dir, env: e })).ms;
  try {
    // Untimed: create Postgres and both Redis once, so every measured run finds them running, and
    // wait until Docker's healthcheck has passed (its first run is one interval, 10 s, after the
    // start): the state of containers that have been running a while. Until then devup probes
    // them itself (the long way), which the rows would mix in.
    await untilReady(repo, ['dev'], { cwd: dir, env: withInfra });
    await untilHealthy([`devup-bench-${process.pid}-infra-cache`, `devup-bench-${process.pid}-infra-queue`]);
    const note = `engine docker (${DOCKER_IMAGE}); 1 service; Postgres running and migrated`;
    return await runCases(
      [
        { ...INFRA_ROWS[0], group: 'infra', kind: 'devup', note, run: dev(env) },
        { ...INFRA_ROWS[1], group: 'infra', kind: 'devup', note: `${note}; ${REDIS_IMAGE} ×2`, run: dev(withInfra) },
      ],
      runs,
      { title: 'infra' },
    );
  } finally {
    dispose();
  }
}
