// engine: how long bootDatabase takes from each state (absent / stopped / running) for the
// Docker engine (when one answers and the test image exists) and the embedded engine.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onCleanup } from './cleanup.mjs';
import { runCases, skippedCase } from './measure.mjs';
import { freePort, log, runSync, succeeds, timeCommand } from './util.mjs';

export const DOCKER_IMAGE = process.env.BENCH_DOCKER_IMAGE ?? 'devup-test/postgres:15';
const PROBE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'engine-probe.mjs');

/** Why the Docker rows cannot run, or undefined when they can. */
export function dockerUnavailable() {
  if (!succeeds('docker', ['version', '--format', '{{.Server.Version}}'], { timeout: 10_000 })) {
    return 'no Docker engine answers (scripts/start-docker.sh starts one)';
  }
  if (!succeeds('docker', ['image', 'inspect', DOCKER_IMAGE])) {
    return `image ${DOCKER_IMAGE} is missing (scripts/build-test-image.sh builds it)`;
  }
  return undefined;
}

function devupSync(repo, args) {
  return runSync(process.execPath, [path.join(repo, 'bin', 'devup.js'), ...args], { cwd: repo });
}

async function engineWorkspace(tempRoot, repo, name, database) {
  const dir = path.join(tempRoot, `engine-${name}`);
  mkdirSync(dir, { recursive: true });
  // As root the embedded server runs as `postgres`, which must reach its data directory.
  chmodSync(dir, 0o755);
  const config = path.join(dir, 'devup.config.json');
  const port = await freePort();
  writeFileSync(
    config,
    `${JSON.stringify({ project: `devup-bench-${process.pid}-${name}`, database: { ...database, port }, services: { app: {} } }, null, 2)}\n`,
  );
  const destroy = () => devupSync(repo, ['down', '--volumes', '--yes', '--config', config]);
  const dispose = onCleanup(`devup down --volumes (${name})`, destroy);
  return { config, destroy, dispose, stop: () => devupSync(repo, ['down', '--config', config]) };
}

async function probe(repo, config, expected) {
  const { output } = await timeCommand(process.execPath, [PROBE, repo, config], { cwd: repo, timeoutMs: 120_000 });
  const line = output
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{"ms"'));
  if (!line) throw new Error(`the probe printed no result:\n${output}`);
  const result = JSON.parse(line);
  if (expected && result.action !== expected) {
    throw new Error(`expected bootDatabase to report "${expected}", it reported "${result.action}"`);
  }
  return result.ms;
}

function engineCases(repo, name, ws) {
  const group = 'engine';
  const ensureRunning = () => probe(repo, ws.config);
  return [
    {
      id: `${group}.${name}.absent`,
      group,
      kind: 'devup',
      label: `${name}: absent → ready`,
      note: name === 'docker' ? 'create volume + container, initdb, create database' : 'initdb + start',
      prepare: () => ws.destroy(),
      run: () => probe(repo, ws.config, 'created'),
    },
    {
      id: `${group}.${name}.stopped`,
      group,
      kind: 'devup',
      label: `${name}: stopped → ready`,
      prepare: async () => {
        await ensureRunning();
        ws.stop();
      },
      run: () => probe(repo, ws.config, 'started'),
    },
    {
      id: `${group}.${name}.running`,
      group,
      kind: 'devup',
      label: `${name}: running → ready`,
      note: 'the warm path: system identifier check, no engine API',
      prepare: ensureRunning,
      run: () => probe(repo, ws.config, 'reused'),
    },
  ];
}

export async function engineSuite({ repo, tempRoot, runs }) {
  log('\n== engine: bootDatabase from each state (timed inside a fresh node process)');
  const cases = [];
  const skipped = [];
  const workspaces = [];
  const dockerReason = dockerUnavailable();
  if (dockerReason) {
    for (const state of ['absent', 'stopped', 'running']) {
      skipped.push(
        skippedCase(
          { id: `engine.docker.${state}`, group: 'engine', label: `docker: ${state} → ready`, kind: 'devup' },
          dockerReason,
        ),
      );
    }
  } else {
    const ws = await engineWorkspace(tempRoot, repo, 'docker', { engine: 'docker', image: DOCKER_IMAGE });
    workspaces.push(ws);
    cases.push(...engineCases(repo, 'docker', ws));
  }
  const embedded = await engineWorkspace(tempRoot, repo, 'embedded', {
    engine: 'embedded',
    dataDir: path.join(tempRoot, 'engine-embedded', 'pgdata'),
  });
  workspaces.push(embedded);
  cases.push(...engineCases(repo, 'embedded', embedded));
  try {
    const results = await runCases(cases, runs, { title: 'engine' });
    return [...results, ...skipped];
  } finally {
    for (const ws of workspaces) ws.dispose();
  }
}
