// services: what the supervisor adds to each service start, against a bare child_process.spawn.
// In-process timing (the supervisor from dist/), so the figures hold no Node start-up of devup.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCases } from './measure.mjs';
import { log, median } from './util.mjs';

/** Services in one chain per measured run: each sample is the median of their starts. */
const CHAIN = 6;
const IDLE = 'setInterval(() => {}, 1000)';

function settings(name, overrides) {
  return {
    name,
    cwd: process.cwd(),
    command: undefined,
    env: {},
    envFile: undefined,
    port: undefined,
    dependsOn: [],
    ready: { kind: 'none' },
    readyTimeoutMs: 30_000,
    restart: 'no',
    stopTimeoutMs: 1_000,
    database: undefined,
    migrations: undefined,
    seed: undefined,
    ...overrides,
  };
}

/** One supervisor with its events timed as they arrive; `stop()` leaves nothing running. */
function timedSupervisor(ServiceSupervisor, services, onEvent = () => {}) {
  const events = [];
  let output = '';
  const supervisor = new ServiceSupervisor({
    env: () => ({}),
    dotenv: {},
    write: (text) => {
      output += text;
    },
    color: false,
    onServiceExit: 'keep-running',
    onEvent: (event) => {
      events.push({ ...event, at: performance.now() });
      onEvent(event, output);
    },
    services,
  });
  const at = (name, type) => events.find((e) => e.service === name && e.type === type)?.at ?? Number.NaN;
  return { supervisor, at, output: () => output };
}

async function bareSpawnMs(marker) {
  const started = performance.now();
  const child = spawn(process.execPath, ['-e', IDLE, marker], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const elapsed = performance.now() - started;
  process.kill(-child.pid, 'SIGKILL');
  return elapsed;
}

/**
 * A chain: each service depends on the previous, so each start is measured alone and only once the
 * previous one has booted (it says "up"), with no other Node process competing for the CPU.
 */
async function chainedStartMs(ServiceSupervisor, marker) {
  const names = Array.from({ length: CHAIN + 1 }, (_, i) => `s${i}`);
  const { supervisor, at } = timedSupervisor(
    ServiceSupervisor,
    names.map((name, i) =>
      settings(name, {
        command: { argv: [process.execPath, '-e', `console.log('up'); ${IDLE}`, marker] },
        dependsOn: i === 0 ? [] : [names[i - 1]],
        ready: { kind: 'log', pattern: /^up$/ },
      }),
    ),
  );
  try {
    await supervisor.start();
    return median(names.slice(1).map((name, i) => at(name, 'starting') - at(names[i], 'ready')));
  } finally {
    await supervisor.stop();
  }
}

/** From the line being written (the child's clock) to the supervisor's 'ready' event. */
async function logReadyMs(ServiceSupervisor, marker) {
  const print = `console.log("ready at " + (performance.timeOrigin + performance.now())); ${IDLE}`;
  let latency = Number.NaN;
  const { supervisor } = timedSupervisor(
    ServiceSupervisor,
    [
      settings('log', {
        command: { argv: [process.execPath, '-e', print, marker] },
        ready: { kind: 'log', pattern: /ready at/ },
      }),
    ],
    (event, output) => {
      if (event.type !== 'ready') return;
      latency = performance.timeOrigin + performance.now() - Number(/ready at ([\d.]+)/.exec(output)?.[1]);
    },
  );
  try {
    await supervisor.start();
    return latency;
  } finally {
    await supervisor.stop();
  }
}

export async function servicesSuite({ repo, runs }) {
  log('\n== services: what the supervisor adds to a service start (in-process timing)');
  const url = pathToFileURL(path.join(repo, 'dist', 'services', 'service-supervisor.js')).href;
  const { ServiceSupervisor } = await import(url);
  const marker = `devup-bench-svc-${randomBytes(4).toString('hex')}`;
  const group = 'services';
  return runCases(
    [
      {
        id: `${group}.devup`,
        group,
        kind: 'devup',
        label: 'supervisor: dependency ready → dependent running',
        note: `median over a chain of ${CHAIN} services per run`,
        run: () => chainedStartMs(ServiceSupervisor, marker),
      },
      {
        id: `${group}.floor`,
        group,
        kind: 'floor',
        label: 'bare spawn → running',
        note: 'child_process.spawn until its "spawn" event',
        run: () => bareSpawnMs(marker),
      },
      {
        id: `${group}.log-ready`,
        group,
        kind: 'devup',
        label: 'log line written → ready event',
        run: () => logReadyMs(ServiceSupervisor, marker),
      },
    ],
    runs,
    { title: 'services' },
  );
}
