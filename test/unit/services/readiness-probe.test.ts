import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../../src/services/clock.js';
import {
  HttpReadinessProbe,
  LogReadinessProbe,
  type ProbeAttempt,
  type ReadinessProbe,
  TcpReadinessProbe,
  waitUntilReady,
} from '../../../src/services/readiness-probe.js';

/** Time moves only when the code under test sleeps. */
class FakeClock implements Clock {
  time = 0;
  now(): number {
    return this.time;
  }
  async sleep(ms: number): Promise<void> {
    this.time += ms;
  }
}

function scriptedProbe(results: ProbeAttempt[]): ReadinessProbe & { calls: number } {
  const probe = {
    description: 'a scripted answer',
    calls: 0,
    async attempt(): Promise<ProbeAttempt> {
      const result = results[Math.min(probe.calls, results.length - 1)] as ProbeAttempt;
      probe.calls++;
      return result;
    },
  };
  return probe;
}

describe('waitUntilReady', () => {
  it('repeats attempts at the interval until one succeeds', async () => {
    const clock = new FakeClock();
    const probe = scriptedProbe([{ ready: false, detail: 'HTTP 503' }, { ready: false }, { ready: true }]);
    const outcome = await waitUntilReady(probe, { timeoutMs: 1_000, intervalMs: 50, clock });
    expect(outcome).toEqual({ ready: true, elapsedMs: 100, attempts: 3 });
  });

  it('gives up at the timeout, with the last reason it was not ready', async () => {
    const clock = new FakeClock();
    const probe = scriptedProbe([{ ready: false, detail: 'connection refused' }]);
    const outcome = await waitUntilReady(probe, { timeoutMs: 200, intervalMs: 50, clock });
    expect(outcome).toEqual({
      ready: false,
      reason: 'timeout',
      elapsedMs: 200,
      attempts: 4,
      lastDetail: 'connection refused',
    });
  });

  it('keeps the last real answer when the final attempt is cut short by the deadline', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const probe: ReadinessProbe = {
      description: 'slow at the end',
      attempt(signal) {
        calls++;
        if (calls < 3) return Promise.resolve({ ready: false, detail: 'HTTP 503' });
        return new Promise((resolve) => {
          signal.addEventListener('abort', () => resolve({ ready: false, detail: 'no answer in time' }));
        });
      },
    };
    const outcome = await waitUntilReady(probe, { timeoutMs: 120, intervalMs: 50, clock });
    expect(outcome).toMatchObject({ ready: false, reason: 'timeout', attempts: 3, lastDetail: 'HTTP 503' });
  });

  it('ends when its signal aborts', async () => {
    const controller = new AbortController();
    const probe: ReadinessProbe = {
      description: 'never',
      async attempt() {
        controller.abort();
        return { ready: false };
      },
    };
    const outcome = await waitUntilReady(probe, { timeoutMs: 60_000, signal: controller.signal });
    expect(outcome).toMatchObject({ ready: false, reason: 'aborted', attempts: 1 });
  });

  it('wakes up at once when a log line matches, without waiting for the next poll', async () => {
    const probe = new LogReadinessProbe(/listening on \d+/g);
    // Its sleeps end only when woken: waiting for the next poll would never end.
    const clock: Clock = {
      now: () => 0,
      sleep: (_ms, signal) =>
        new Promise<void>((resolve) => {
          if (signal?.aborted) return resolve();
          signal?.addEventListener('abort', () => resolve(), { once: true });
        }),
    };
    const waiting = waitUntilReady(probe, { timeoutMs: 10_000, intervalMs: 5_000, clock });
    setTimeout(() => {
      probe.observe('booting');
      probe.observe('listening on 4001');
    }, 20);
    expect(await waiting).toEqual({ ready: true, elapsedMs: 0, attempts: 2 });
  });
});

describe('probes', () => {
  const servers: (http.Server | net.Server)[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) server.close();
  });

  async function listen(server: http.Server | net.Server): Promise<number> {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as net.AddressInfo).port;
  }

  async function closedPort(): Promise<number> {
    const server = net.createServer();
    const port = await listen(server);
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  it('http: 2xx is ready, anything else says what it got', async () => {
    let status = 503;
    const port = await listen(
      http.createServer((_request, response) => {
        response.statusCode = status;
        response.end();
      }),
    );
    const probe = new HttpReadinessProbe(`http://127.0.0.1:${port}/health`);
    const signal = new AbortController().signal;
    expect(await probe.attempt(signal)).toEqual({ ready: false, detail: 'HTTP 503' });
    status = 204;
    expect(await probe.attempt(signal)).toEqual({ ready: true });
    expect(probe.description).toBe(`GET http://127.0.0.1:${port}/health to answer 2xx`);
  });

  it('http: a refused connection is not ready', async () => {
    const probe = new HttpReadinessProbe(`http://127.0.0.1:${await closedPort()}/`);
    expect(await probe.attempt(new AbortController().signal)).toEqual({ ready: false, detail: 'connection refused' });
  });

  it('http: an attempt that hangs is cut off by its signal', async () => {
    const port = await listen(http.createServer(() => {}));
    const probe = new HttpReadinessProbe(`http://127.0.0.1:${port}/`);
    expect(await probe.attempt(AbortSignal.timeout(50))).toEqual({ ready: false, detail: 'no answer in time' });
  });

  it('tcp: ready once something accepts connections', async () => {
    const probe = new TcpReadinessProbe(await closedPort());
    expect(await probe.attempt(new AbortController().signal)).toEqual({ ready: false, detail: 'connection refused' });
    const port = await listen(net.createServer((socket) => socket.destroy()));
    expect(await new TcpReadinessProbe(port).attempt(new AbortController().signal)).toEqual({ ready: true });
  });

  it('log: matches each line, once', async () => {
    const probe = new LogReadinessProbe(/ready/);
    expect(await probe.attempt()).toEqual({ ready: false, detail: 'no matching line yet' });
    probe.observe('ready to accept connections');
    expect(await probe.attempt()).toEqual({ ready: true });
  });
});
