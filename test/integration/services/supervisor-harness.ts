import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandSpec, ServiceSettings } from '../../../src/config/types.js';
import type { ServiceEvent } from '../../../src/services/service-status.js';
import { ServiceSupervisor, type SupervisorOptions } from '../../../src/services/service-supervisor.js';

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/services');

/** A port nothing listens on right now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** `node <fixture> <marker>` as a shell string: the marker lets `survivors` find every generation. */
export function fixtureCommand(fixture: string, marker: string): string {
  return `"${process.execPath}" "${path.join(FIXTURES, fixture)}" ${marker}`;
}

export function service(name: string, overrides: Partial<ServiceSettings> = {}): ServiceSettings {
  return {
    name,
    cwd: FIXTURES,
    command: undefined,
    env: {},
    envFile: undefined,
    port: undefined,
    dependsOn: [],
    ready: { kind: 'none' },
    readyTimeoutMs: 5_000,
    restart: 'no',
    stopTimeoutMs: 1_000,
    database: undefined,
    migrations: undefined,
    seed: undefined,
    restartOnMigrate: true,
    ...overrides,
  };
}

/** Live (non-zombie) processes whose command line holds the marker: what a test must not leave behind. */
export function survivors(marker: string): string[] {
  const table = execFileSync('ps', ['-eo', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' });
  return table
    .split('\n')
    .filter((line) => line.includes(marker))
    .filter((line) => !/^\s*\d+\s+\d+\s+Z/.test(line));
}

function killSurvivors(marker: string): void {
  for (const line of survivors(marker)) {
    const pid = Number(line.trim().split(/\s+/)[0]);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

/** One test's supervisors, output and events; `cleanup()` (afterEach) leaves no process behind. */
export class SupervisorHarness {
  readonly marker = `devup-svc-test-${randomBytes(4).toString('hex')}`;
  output = '';
  readonly events: (ServiceEvent & { at: number })[] = [];
  readonly #supervisors: ServiceSupervisor[] = [];

  /** `node <fixture> <marker>` run through a shell. */
  command(fixture: string): CommandSpec {
    return { shell: fixtureCommand(fixture, this.marker) };
  }

  /** The same, run directly. */
  argv(fixture: string): CommandSpec {
    return { argv: [process.execPath, path.join(FIXTURES, fixture), this.marker] };
  }

  supervisor(options: Partial<SupervisorOptions> & Pick<SupervisorOptions, 'services'>): ServiceSupervisor {
    const supervisor = new ServiceSupervisor({
      env: () => ({}),
      dotenv: {},
      write: (text) => {
        this.output += text;
      },
      color: false,
      onEvent: (event) => this.events.push({ ...event, at: performance.now() }),
      onServiceExit: 'keep-running',
      // Fast backoff so restart tests take milliseconds.
      restartPolicy: { baseDelayMs: 20, maxDelayMs: 80, maxRestarts: 2, windowMs: 10_000 },
      ...options,
    });
    this.#supervisors.push(supervisor);
    return supervisor;
  }

  eventsOf(service: string, type?: ServiceEvent['type']): (ServiceEvent & { at: number })[] {
    return this.events.filter((event) => event.service === service && (type === undefined || event.type === type));
  }

  /** Resolves once `predicate` holds (checked every 10 ms), or fails after `timeoutMs` (generous: a loaded machine is slow). */
  async until(predicate: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; output:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  survivors(): string[] {
    return survivors(this.marker);
  }

  async cleanup(): Promise<void> {
    for (const supervisor of this.#supervisors) {
      const stopping = supervisor.stop();
      void supervisor.stop(); // the second call: no grace periods in cleanup
      await stopping.catch(() => {});
    }
    killSurvivors(this.marker);
  }
}
