import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { readLog } from '../../../src/services/log-store.js';
import { fixtureCommand, SupervisorHarness, service } from './supervisor-harness.js';

let h: SupervisorHarness;
let tmp: string;

beforeEach(() => {
  h = new SupervisorHarness();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'devup-restart-'));
});

afterEach(async () => {
  await h.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

const pidOf = (snapshot: { name: string; pid?: number }[], name: string) => snapshot.find((s) => s.name === name)?.pid;

describe('ServiceSupervisor.restart', () => {
  it('stops the named services dependents first, starts them in dependency order, leaves the others alone', async () => {
    const ready = { kind: 'log', pattern: /^ready to accept/ } as const;
    const supervisor = h.supervisor({
      services: [
        service('api', { command: h.command('log-ready.mjs'), env: { READY_AFTER_MS: '100' }, ready }),
        service('web', { command: h.command('log-ready.mjs'), dependsOn: ['api'], ready }),
        service('jobs', { command: h.command('log-ready.mjs'), ready }),
      ],
    });
    await supervisor.start();
    const before = supervisor.states();

    const restarted = await supervisor.restart(['web', 'api']);

    const after = supervisor.states();
    expect(restarted.map((s) => s.name)).toEqual(['api', 'web']);
    expect(pidOf(after, 'jobs')).toBe(pidOf(before, 'jobs'));
    for (const name of ['api', 'web']) {
      expect(pidOf(after, name)).toBeDefined();
      expect(pidOf(after, name)).not.toBe(pidOf(before, name));
    }
    expect(after.map((s) => s.status)).toEqual(['ready', 'ready', 'ready']);
    const at = (name: string, type: 'exited' | 'starting' | 'ready', index: number) =>
      h.eventsOf(name, type)[index]?.at ?? Number.NaN;
    // web (the dependent) went down before api; came up only once api was ready again.
    expect(at('web', 'exited', 0)).toBeLessThanOrEqual(at('api', 'exited', 0));
    expect(at('web', 'starting', 1)).toBeGreaterThanOrEqual(at('api', 'ready', 1));
    expect(h.eventsOf('jobs', 'exited')).toEqual([]);
    expect(h.output).toMatch(/^api {2}\* restarted, ready in /m);
  });

  it('rejects when a service does not get ready again; what depends on it stays down, the others run on', async () => {
    const broken = path.join(tmp, 'broken');
    const supervisor = h.supervisor({
      services: [
        service('api', {
          command: { shell: `test ! -f "${broken}" && exec ${fixtureCommand('log-ready.mjs', h.marker)}` },
          ready: { kind: 'log', pattern: /^ready to accept/ },
        }),
        service('web', { command: h.command('log-ready.mjs'), dependsOn: ['api'] }),
        service('jobs', { command: h.command('log-ready.mjs') }),
      ],
    });
    await supervisor.start();
    const jobsPid = pidOf(supervisor.states(), 'jobs');
    writeFileSync(broken, '');

    const error = await supervisor.restart(['api', 'web']).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(/Service "api" exited with code 1 before it was ready/);
    const snapshot = supervisor.states();
    expect(snapshot.map((s) => `${s.name}:${s.status}`)).toEqual(['api:failed', 'web:exited', 'jobs:ready']);
    expect(pidOf(snapshot, 'jobs')).toBe(jobsPid);
    expect(h.eventsOf('web', 'starting')).toHaveLength(1);

    // Fixed: the next restart brings both back.
    rmSync(broken);
    await supervisor.restart(['api', 'web']);
    expect(supervisor.states().map((s) => `${s.name}:${s.status}`)).toEqual(['api:ready', 'web:ready', 'jobs:ready']);
  });
});

describe('ServiceSupervisor.stopOne / startOne (the dashboard)', () => {
  it('stops one service and no other, keeps supervising, and starts it again with a new process', async () => {
    const ready = { kind: 'log', pattern: /^ready to accept/ } as const;
    const supervisor = h.supervisor({
      services: [
        service('api', { command: h.command('log-ready.mjs'), ready }),
        service('web', { command: h.command('log-ready.mjs'), dependsOn: ['api'], ready }),
      ],
    });
    await supervisor.start();
    const before = supervisor.states();
    const apiPid = pidOf(before, 'api') as number;

    await supervisor.stopOne('api');

    const stopped = supervisor.states();
    expect(stopped.map((s) => [s.name, s.status])).toEqual([
      ['api', 'exited'],
      ['web', 'ready'],
    ]);
    expect(pidOf(stopped, 'api')).toBeUndefined();
    expect(() => process.kill(apiPid, 0)).toThrow();
    expect(pidOf(stopped, 'web')).toBe(pidOf(before, 'web'));

    await supervisor.startOne('api');

    const after = supervisor.states();
    expect(after.map((s) => s.status)).toEqual(['ready', 'ready']);
    expect(pidOf(after, 'api')).toBeDefined();
    expect(pidOf(after, 'api')).not.toBe(apiPid);
  });

  it('stopping the only service does not end supervision (it may be started again); onLines gets every line, the restart notice too', async () => {
    const ready = { kind: 'log', pattern: /^ready to accept/ } as const;
    const lines: string[] = [];
    const logs = path.join(tmp, 'logs');
    const supervisor = h.supervisor({
      services: [service('api', { command: h.command('log-ready.mjs'), ready })],
      onLines: (name, source, batch) => lines.push(...batch.map((line) => `${name} ${source} ${line}`)),
      logs: { dir: logs, mask: (text) => text },
    });
    await supervisor.start();
    await supervisor.stopOne('api');
    expect(supervisor.states().map((s) => s.status)).toEqual(['exited']);
    // Had supervision ended, this would reject with an InterruptedError.
    await supervisor.startOne('api');
    expect(supervisor.states().map((s) => s.status)).toEqual(['ready']);
    expect(lines.filter((line) => line === 'api stdout booting')).toHaveLength(2);
    expect(lines.some((line) => /^api devup restarted, ready in /.test(line))).toBe(true);
    // The same lines reach the session's log files (`devup logs`, the dashboard's history).
    expect(readLog(logs, 'api').entries.map((e) => `api ${e.stream} ${e.line}`)).toEqual(lines);
  });

  it('gives the environment devup sets for a service, without its own shell’s variables', async () => {
    const supervisor = h.supervisor({
      services: [service('api', { command: h.command('log-ready.mjs'), env: { A: '1' } })],
    });
    const env = await supervisor.environment('api');
    expect(env?.A).toBe('1');
    expect(env?.PATH).toBeUndefined();
    expect(supervisor.environment('nope')).toBeUndefined();
  });
});
