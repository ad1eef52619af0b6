import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FIXTURES, SupervisorHarness, service } from './supervisor-harness.js';

// Not a timed assertion: prints what devup adds to each service start, for the record.
// devup's part = (dependency ready → dependent's process running) − (a bare child_process.spawn).
const COUNT = 12;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
const idle = 'setInterval(() => {}, 1000)';

async function bareSpawnMs(marker: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['-e', idle, marker], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise((resolve) => child.once('spawn', resolve));
  const elapsed = performance.now() - started;
  process.kill(-(child.pid as number), 'SIGKILL');
  return elapsed;
}

describe('start overhead', () => {
  it('measures spawn → running per service, against a bare spawn', async () => {
    const h = new SupervisorHarness();
    try {
      const bare: number[] = [];
      for (let i = 0; i < COUNT; i++) bare.push(await bareSpawnMs(h.marker));

      // A chain: each service depends on the previous, so each start is measured alone, and only once
      // the previous one has booted (it says "up"), so that no other Node process competes for the CPU.
      const names = Array.from({ length: COUNT + 1 }, (_, i) => `s${i}`);
      const supervisor = h.supervisor({
        services: names.map((name, i) =>
          service(name, {
            command: { argv: [process.execPath, '-e', `console.log('up'); ${idle}`, h.marker] },
            dependsOn: i === 0 ? [] : [names[i - 1] as string],
            ready: { kind: 'log', pattern: /^up$/ },
          }),
        ),
      });
      const startCalled = performance.now();
      await supervisor.start();
      const at = (name: string, type: 'starting' | 'ready') => h.eventsOf(name, type)[0]?.at ?? Number.NaN;
      const chained = names.slice(1).map((name, i) => at(name, 'starting') - at(names[i] as string, 'ready'));

      // Log readiness: from the line being written (child's clock) to the 'ready' event.
      const logLatency: number[] = [];
      for (let i = 0; i < 3; i++) {
        const timed = new SupervisorHarness();
        const print =
          'console.log("ready at " + (performance.timeOrigin + performance.now())); setInterval(() => {}, 1000)';
        const logSupervisor = timed.supervisor({
          services: [
            service('log', {
              command: { argv: [process.execPath, '-e', print, timed.marker] },
              ready: { kind: 'log', pattern: /ready at/ },
            }),
          ],
          onEvent: (event) => {
            if (event.type === 'ready') {
              const now = performance.timeOrigin + performance.now();
              const printed = Number(/ready at ([\d.]+)/.exec(timed.output)?.[1]);
              logLatency.push(now - printed);
            }
          },
        });
        await logSupervisor.start();
        await timed.cleanup();
      }

      const report = {
        'bare spawn → running (median ms)': median(bare).toFixed(1),
        'supervisor: dependency ready → dependent running (median ms)': median(chained).toFixed(1),
        'devup overhead per service start (median ms)': (median(chained) - median(bare)).toFixed(1),
        'first start: start() → first service running, loading execa included (ms)': (
          at('s0', 'starting') - startCalled
        ).toFixed(1),
        'log line written → ready event (median ms)': median(logLatency).toFixed(1),
      };
      console.log(`start overhead over ${COUNT} starts (fixtures in ${FIXTURES}):\n${JSON.stringify(report, null, 2)}`);
      expect(chained.every((ms) => Number.isFinite(ms))).toBe(true);
    } finally {
      await h.cleanup();
    }
  });
});
