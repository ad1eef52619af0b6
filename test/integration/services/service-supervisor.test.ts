import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InterruptedError, UserError } from '../../../src/errors.js';
import { trackedProcessGroups } from '../../../src/lib/process-groups.js';
import { processStart } from '../../../src/process-identity.js';
import { deferred } from '../../../src/services/deferred.js';
import type { RuntimeState } from '../../../src/services/runtime-state.js';
import { fixtureCommand, freePort, SupervisorHarness, service } from './supervisor-harness.js';

let h: SupervisorHarness;
let tmp: string;

beforeEach(() => {
  h = new SupervisorHarness();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'devup-services-'));
});

afterEach(async () => {
  await h.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('start order', () => {
  it('starts a service only after its gate and its dependencies are ready', async () => {
    const gateC = deferred<void>();
    const supervisor = h.supervisor({
      services: [
        service('web', { command: h.command('log-ready.mjs'), dependsOn: ['api'], ready: { kind: 'none' } }),
        service('api', {
          command: h.command('log-ready.mjs'),
          env: { READY_AFTER_MS: '150' },
          ready: { kind: 'log', pattern: /^ready to accept/ },
        }),
        service('jobs', { command: h.command('log-ready.mjs') }),
      ],
      gate: (name) => (name === 'jobs' ? gateC.promise : Promise.resolve()),
    });
    const starting = supervisor.start();
    let gateOpenedAt = Number.NaN;
    setTimeout(() => {
      gateOpenedAt = performance.now();
      gateC.resolve();
    }, 250);
    const started = await starting;

    const at = (name: string, type: 'starting' | 'ready') => h.eventsOf(name, type)[0]?.at ?? Number.NaN;
    expect(at('web', 'starting')).toBeGreaterThan(at('api', 'ready'));
    expect(at('jobs', 'starting')).toBeGreaterThan(gateOpenedAt);
    expect(started.services.map((s) => s.name)).toEqual(['web', 'api', 'jobs']);
    expect(started.services.find((s) => s.name === 'api')?.readyMs).toBeGreaterThanOrEqual(140);
    expect(h.output).toMatch(/^api {2}\| booting$/m);
  });

  it('fails start when a gate fails, and stops what was already running', async () => {
    const supervisor = h.supervisor({
      services: [
        service('api', { command: h.command('log-ready.mjs') }),
        service('worker', { command: h.command('log-ready.mjs') }),
      ],
      gate: async (name) => {
        if (name === 'worker') {
          // Fail only once api is running, so there is something to stop.
          await h.until(() => h.eventsOf('api', 'ready').length > 0);
          throw new UserError('Migration 002_add_jobs.sql of worker failed');
        }
      },
    });
    const error = await rejection(supervisor.start());
    expect((error as Error).message).toBe('Migration 002_add_jobs.sql of worker failed');
    expect(h.eventsOf('worker', 'starting')).toHaveLength(0);
    expect(await supervisor.finished).toMatchObject({ reason: 'start-failed' });
    expect(h.survivors()).toEqual([]);
  });
});

describe('readiness', () => {
  it('http: waits for a 2xx from the health URL, and keeps the state file current', async () => {
    const port = await freePort();
    const stateFile = path.join(tmp, 'services.json');
    const supervisor = h.supervisor({
      stateFile,
      services: [
        service('api', {
          command: h.command('http-server.mjs'),
          port,
          env: { HEALTHY_AFTER_MS: '300' },
          ready: { kind: 'http', url: `http://127.0.0.1:${port}/health` },
        }),
      ],
    });
    const started = await supervisor.start();
    expect(started.services[0]?.readyMs).toBeGreaterThanOrEqual(290);

    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as RuntimeState;
    expect(state.pid).toBe(process.pid);
    expect(state.services).toEqual([
      {
        name: 'api',
        pid: started.services[0]?.pid,
        started: processStart(started.services[0]?.pid as number),
        port,
        url: `http://127.0.0.1:${port}`,
        status: 'ready',
        readyMs: started.services[0]?.readyMs,
      },
    ]);
    await supervisor.stop();
    expect(existsSync(stateFile)).toBe(false);
    expect(h.output).toContain('SIGTERM: closing'); // stopped gracefully
  });

  it('tcp: waits until the port accepts connections', async () => {
    const port = await freePort();
    const supervisor = h.supervisor({
      services: [
        service('api', {
          command: h.argv('http-server.mjs'),
          port,
          env: { LISTEN_AFTER_MS: '200' },
          ready: { kind: 'tcp', port },
        }),
      ],
    });
    const started = await supervisor.start();
    expect(started.services[0]?.readyMs).toBeGreaterThanOrEqual(190);
    await h.until(() => h.output.includes(`api | listening on ${port}`));
  });

  it('log: matches the pattern against the line without its colours', async () => {
    const supervisor = h.supervisor({
      services: [
        service('worker', {
          command: h.argv('log-ready.mjs'),
          env: { READY_AFTER_MS: '100' },
          ready: { kind: 'log', pattern: /^ready to accept connections$/ },
        }),
      ],
      color: true,
    });
    const started = await supervisor.start();
    expect(started.services[0]?.readyMs).toBeGreaterThanOrEqual(90);
    expect(h.output).toContain('\u001b[32mready\u001b[39m to accept connections'); // colours kept
  });

  it('on timeout: fails with the last lines and what it waited for, leaving nothing running', async () => {
    // The health URL answers 503 before the service starts (a loaded machine may take more than the
    // 1 s timeout to start a Node server), and the service's line comes from `echo`, not from Node.
    const health = http.createServer((_request, response) => {
      response.statusCode = 503;
      response.end('starting');
    });
    await new Promise<void>((resolve) => health.listen(0, '127.0.0.1', resolve));
    const { port } = health.address() as net.AddressInfo;
    const supervisor = h.supervisor({
      services: [
        service('api', {
          command: { shell: `echo "listening on ${port}"; ${fixtureCommand('log-ready.mjs', h.marker)}` },
          env: { READY_AFTER_MS: '60000' },
          ready: { kind: 'http', url: `http://127.0.0.1:${port}/health` },
          readyTimeoutMs: 1_000,
        }),
      ],
    });
    const error = (await rejection(supervisor.start()).finally(() => health.close())) as UserError;
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe('Service "api" was not ready within 1 s');
    expect(error.details[0]).toBe(
      `devup waited for GET http://127.0.0.1:${port}/health to answer 2xx (last attempt: HTTP 503).`,
    );
    expect(error.details).toContain(`  listening on ${port}`);
    expect(error.hint).toContain('services.api.ready.timeout');
    expect(h.eventsOf('api', 'failed')).toHaveLength(1);
    expect(h.survivors()).toEqual([]);
  });
});

describe('failures and restarts', () => {
  it('restarts a crashing service with backoff, then gives up with a report', async () => {
    const supervisor = h.supervisor({
      services: [
        service('queue', {
          command: h.command('exit-one.mjs'),
          restart: 'on-failure',
          ready: { kind: 'tcp', port: 9 },
        }),
      ],
    });
    const error = (await rejection(supervisor.start())) as UserError;
    expect(error.message).toBe(
      'Service "queue" exited with code 1 before it was ready (crashed again after 2 restarts within 10 s)',
    );
    expect(error.details).toContain('  Error: connect ECONNREFUSED 127.0.0.1:5672');
    expect(h.eventsOf('queue', 'starting')).toHaveLength(3);
    expect(h.eventsOf('queue', 'restarting').map((e) => (e.type === 'restarting' ? e.delayMs : 0))).toEqual([20, 40]);
    expect(h.eventsOf('queue', 'failed')).toHaveLength(1);
    expect(h.output).toContain('queue * exited with code 1; restarting in 20 ms (restart 1 of 2)');
    expect(h.output).toContain('queue ! Error: connect ECONNREFUSED 127.0.0.1:5672');
  });

  it('a service that crashes while starting but then comes up counts as started', async () => {
    const supervisor = h.supervisor({
      services: [
        service('flaky', {
          command: h.command('flaky.mjs'),
          restart: 'on-failure',
          env: { COUNTER_FILE: path.join(tmp, 'runs'), FAIL_TIMES: '2' },
          ready: { kind: 'log', pattern: /ready/ },
        }),
      ],
    });
    await supervisor.start();
    expect(h.eventsOf('flaky', 'restarting')).toHaveLength(2);
    expect(h.output).toContain('flaky | run 3: ready');
  });

  it('reports a crash after ready in the stream, restarts it, and says when it is back', async () => {
    const supervisor = h.supervisor({
      services: [
        service('flaky', {
          command: h.command('flaky.mjs'),
          restart: 'on-failure',
          env: { COUNTER_FILE: path.join(tmp, 'runs'), CRASH_AFTER_MS: '100' },
          ready: { kind: 'log', pattern: /ready/ },
        }),
      ],
      restartPolicy: { baseDelayMs: 20, maxRestarts: 5, windowMs: 10_000 },
    });
    await supervisor.start();
    await h.until(() => h.output.includes('ready again in'));
    expect(h.output).toContain(
      'flaky ! run 1: crashing after being ready\nflaky * exited with code 4; restarting in 20 ms',
    );
    expect(h.eventsOf('flaky', 'exited')[0]).toMatchObject({ code: 4, signal: null, expected: false });
  });

  it('restart "no": the crash is reported, the others keep running, supervision ends when all are gone', async () => {
    const supervisor = h.supervisor({
      services: [
        service('crasher', { command: h.command('exit-one.mjs'), env: { EXIT_AFTER_MS: '150' } }),
        service('steady', { command: h.command('chatty.mjs'), env: { EXIT_CODE: '0' } }),
      ],
    });
    await supervisor.start();
    await h.until(() => h.eventsOf('crasher', 'failed').length === 1);
    expect(h.output).toContain('crasher * exited with code 1; the other services keep running');
    const failed = h.eventsOf('crasher', 'failed')[0];
    expect(failed).toMatchObject({ reason: 'Service "crasher" exited with code 1', exit: { code: 1, signal: null } });
    expect(failed?.type === 'failed' && failed.lastLines).toContain('Error: connect ECONNREFUSED 127.0.0.1:5672');
    expect(await supervisor.finished).toEqual({ reason: 'all-exited', failed: ['crasher'] });
  });

  it('onServiceExit "stop-all": one service giving up stops the others', async () => {
    const supervisor = h.supervisor({
      onServiceExit: 'stop-all',
      services: [
        // Starts once the server is ready, so the crash comes after start() has resolved.
        service('crasher', {
          command: h.command('exit-one.mjs'),
          env: { EXIT_AFTER_MS: '100' },
          dependsOn: ['server'],
        }),
        service('server', {
          command: h.command('wrapper.mjs'),
          env: { IGNORE_TERM_MS: '0' },
          ready: { kind: 'log', pattern: /server ready/ },
        }),
      ],
    });
    await supervisor.start();
    const end = await supervisor.finished;
    expect(end).toMatchObject({ reason: 'stop-all', service: 'crasher' });
    expect(end.reason === 'stop-all' && end.error?.message).toBe('Service "crasher" exited with code 1');
    expect(h.output).toContain('crasher * exited with code 1; stopping all services (onServiceExit: "stop-all")');
    expect(h.survivors()).toEqual([]);
  });

  it('a port already in use fails start with the way out, before anything runs', async () => {
    const port = await freePort();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const supervisor = h.supervisor({
        services: [service('api', { command: h.command('http-server.mjs'), port, ready: { kind: 'tcp', port } })],
      });
      const error = (await rejection(supervisor.start())) as UserError;
      // The test process holds it: named with its pid.
      expect(error.message).toMatch(
        new RegExp(`^Port ${port} of service "api" is already in use by node .*\\(pid ${process.pid}\\)$`),
      );
      expect(error.hint).toContain('services.api.port');
      expect(h.events).toEqual([]);
    } finally {
      blocker.close();
    }
  });

  it('a command that does not exist fails start clearly', async () => {
    const supervisor = h.supervisor({
      services: [service('api', { command: { argv: ['devup-no-such-command', h.marker] } })],
    });
    const error = (await rejection(supervisor.start())) as UserError;
    expect(error.message).toBe('Could not start service "api": the command or the directory does not exist');
    expect(error.hint).toContain('services.api.command ("devup-no-such-command');
  });
});

describe('shutdown', () => {
  it('stops dependents first, each with its whole process group', async () => {
    const portA = await freePort();
    const portB = await freePort();
    const supervisor = h.supervisor({
      services: [
        service('db-api', { command: h.command('http-server.mjs'), port: portA, ready: { kind: 'tcp', port: portA } }),
        service('web', {
          command: h.command('http-server.mjs'),
          port: portB,
          dependsOn: ['db-api'],
          ready: { kind: 'tcp', port: portB },
        }),
        service('server', {
          command: h.command('wrapper.mjs'),
          env: { IGNORE_TERM_MS: '0' },
          ready: { kind: 'log', pattern: /server ready/ },
        }),
      ],
    });
    await supervisor.start();
    expect(h.survivors().length).toBeGreaterThanOrEqual(5); // 2 servers + wrapper, sh, stubborn
    await supervisor.stop();
    const exits = h.events.filter((e) => e.type === 'exited').map((e) => e.service);
    expect(exits.indexOf('web')).toBeLessThan(exits.indexOf('db-api'));
    expect(h.survivors()).toEqual([]);
    expect(trackedProcessGroups()).toEqual([]);
    expect(await supervisor.finished).toEqual({ reason: 'stopped' });
  });

  it('waits for a grandchild that finishes its work after SIGTERM', async () => {
    const supervisor = h.supervisor({
      services: [
        service('server', {
          command: h.command('wrapper.mjs'),
          env: { IGNORE_TERM_MS: '300' },
          ready: { kind: 'log', pattern: /server ready/ },
        }),
      ],
    });
    await supervisor.start();
    const started = performance.now();
    await supervisor.stop();
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
    expect(h.output).toContain('server | SIGTERM received, finishing requests');
    expect(h.output).not.toContain('killed');
    expect(h.survivors()).toEqual([]);
  });

  it('SIGKILLs the group after stopTimeout when a grandchild ignores SIGTERM', async () => {
    const supervisor = h.supervisor({
      services: [
        service('server', {
          command: h.command('wrapper.mjs'),
          stopTimeoutMs: 300,
          ready: { kind: 'log', pattern: /ready/ },
        }),
      ],
    });
    await supervisor.start();
    const started = performance.now();
    await supervisor.stop();
    expect(performance.now() - started).toBeGreaterThanOrEqual(280);
    expect(h.output).toContain('server * did not stop within 300 ms of SIGTERM; killed');
    expect(h.survivors()).toEqual([]);
  });

  it('a second stop() kills everything at once', async () => {
    const supervisor = h.supervisor({
      services: [
        service('server', {
          command: h.command('wrapper.mjs'),
          // Far past the test's timeout: only the second stop() can end this test in time.
          stopTimeoutMs: 600_000,
          ready: { kind: 'log', pattern: /ready/ },
        }),
      ],
    });
    await supervisor.start();
    const first = supervisor.stop();
    // The first stop() is under way once the grandchild has received (and ignored) its SIGTERM.
    await h.until(() => h.output.includes('SIGTERM received'));
    const second = supervisor.stop();
    await Promise.all([first, second]);
    expect(h.output).not.toContain('did not stop within');
    expect(h.survivors()).toEqual([]);
    await supervisor.stop(); // later calls are no-ops
  });

  it('stop() during start-up ends start(), including services still waiting for their gate', async () => {
    const port = await freePort();
    const supervisor = h.supervisor({
      services: [
        service('server', {
          command: h.command('wrapper.mjs'),
          stopTimeoutMs: 300,
          ready: { kind: 'http', url: `http://127.0.0.1:${port}/` },
        }),
        service('api', { command: h.command('log-ready.mjs'), ready: { kind: 'log', pattern: /never/ } }),
        service('blocked', { command: h.command('log-ready.mjs') }),
      ],
      gate: (name) => (name === 'blocked' ? new Promise<void>(() => {}) : Promise.resolve()),
    });
    const starting = supervisor.start();
    starting.catch(() => {});
    await h.until(() => /^server +\| server ready/m.test(h.output) && /^api +\| booting/m.test(h.output));
    expect(h.survivors().length).toBeGreaterThanOrEqual(4);
    await supervisor.stop();
    expect(await rejection(starting)).toBeInstanceOf(InterruptedError);
    expect(h.eventsOf('blocked')).toEqual([]);
    expect(h.survivors()).toEqual([]);
  });

  it.each([0, 5, 40])('stop() %i ms after start() leaves nothing behind', async (delayMs) => {
    const never = { kind: 'log', pattern: /never/ } as const;
    const supervisor = h.supervisor({
      services: [
        service('a', { command: h.command('wrapper.mjs'), ready: never }),
        service('b', { command: h.argv('log-ready.mjs'), ready: never }),
      ],
    });
    const starting = supervisor.start();
    starting.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    await supervisor.stop();
    expect(await rejection(starting)).toBeInstanceOf(InterruptedError);
    // Supervision over: a service spawned after stop() would now be in a group or in the process table.
    expect(await supervisor.finished).toEqual({ reason: 'stopped' });
    expect(trackedProcessGroups()).toEqual([]);
    expect(h.survivors()).toEqual([]);
  });
});

describe('log stream', () => {
  it('prefixes whole lines: partial writes joined, long lines split, stderr marked, last line flushed', async () => {
    const supervisor = h.supervisor({
      services: [service('chatty', { command: h.command('chatty.mjs'), env: { EXIT_CODE: '0' } }), service('x', {})],
    });
    await supervisor.start();
    await supervisor.finished;
    const lines = h.output.split('\n');
    expect(lines).toContain('chatty | first half');
    expect(lines).toContain('chatty | second line');
    expect(lines).toContain('chatty ! a warning');
    expect(lines).toContain('chatty | windows line');
    expect(lines).toContain('chatty | no newline at the end');
    const long = lines
      .filter((line) => line.startsWith('chatty | xxx'))
      .map((line) => line.length - 'chatty | '.length);
    expect(long).toEqual([16_384, 16_384, 8_192]);
    expect(h.output).toContain('chatty * exited with code 0; the other services keep running');
  });

  it('gives the child FORCE_COLOR or NO_COLOR to match, and PORT', async () => {
    const port = await freePort();
    const run = async (color: boolean) => {
      const harness = new SupervisorHarness();
      const supervisor = harness.supervisor({
        color,
        services: [
          service('env', {
            command: harness.command('env-dump.mjs'),
            port,
            env: { DUMP: 'FORCE_COLOR,NO_COLOR,PORT' },
          }),
        ],
      });
      try {
        await supervisor.start();
        await harness.until(() => harness.output.includes('env {'));
        return JSON.parse(/env (\{.*\})/.exec(harness.output)?.[1] ?? '{}') as Record<string, string | null>;
      } finally {
        await harness.cleanup();
      }
    };
    expect(await run(true)).toEqual({ FORCE_COLOR: '1', NO_COLOR: null, PORT: String(port) });
    expect(await run(false)).toEqual({ FORCE_COLOR: null, NO_COLOR: '1', PORT: String(port) });
  });
});
