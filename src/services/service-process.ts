import type { Readable } from 'node:stream';
import type { ServiceSettings } from '../config/types.js';
import { UserError } from '../errors.js';
import { type Clock, systemClock } from './clock.js';
import { deferred } from './deferred.js';
import { LineSplitter } from './line-splitter.js';
import { ProcessGroup } from './process-group.js';
import type { ProcessExit } from './restart-policy.js';

export type OutputStream = 'stdout' | 'stderr';

export interface SpawnOptions {
  env: Record<string, string>;
  /** Whole lines of output, in the order they were read. */
  onLines: (stream: OutputStream, lines: string[]) => void;
  clock?: Clock;
}

/** Loaded on first use: `devup migrate` and friends never pay for it. */
let execaModule: Promise<typeof import('execa')> | undefined;
export function loadExeca(): Promise<typeof import('execa')> {
  execaModule ??= import('execa');
  return execaModule;
}

function commandText(service: ServiceSettings): string {
  const command = service.command;
  if (command === undefined) return '';
  return 'shell' in command ? command.shell : command.argv.join(' ');
}

const SPAWN_OPTIONS = {
  extendEnv: false,
  // Its own process group: signals reach grandchildren, and Ctrl-C in the terminal reaches only devup.
  detached: true,
  stdin: 'ignore',
  stdout: 'pipe',
  stderr: 'pipe',
  buffer: false,
  reject: false,
  // devup kills the group itself; execa's cleanup would signal the main process only.
  cleanup: false,
  forceKillAfterDelay: false,
  windowsHide: true,
} as const;

/** Splits stdout and stderr into lines for `onLines`; resolves once both streams have closed. */
async function readLines(streams: Readable[], onLines: SpawnOptions['onLines']): Promise<void> {
  await Promise.all(
    (['stdout', 'stderr'] as const).map((name, index) => {
      const stream = streams[index] as Readable;
      const splitter = new LineSplitter((lines) => onLines(name, lines));
      stream.on('data', (chunk: Buffer) => splitter.push(chunk));
      return new Promise<void>((resolve) => {
        stream.once('close', () => {
          splitter.flush();
          resolve();
        });
      });
    }),
  );
}

/**
 * One run of a service: its main process, spawned detached so that it leads a process group of its
 * own, with stdin closed and both output streams cut into lines.
 */
export class ServiceProcess {
  readonly pid: number;
  readonly group: ProcessGroup;
  /** Clock time at which the process was running (the 'spawn' event). */
  readonly spawnedAt: number;
  /** Settles when the main process has exited (its group may still have members). */
  readonly exited: Promise<ProcessExit>;
  readonly #streams: Readable[];
  readonly #drained: Promise<void>;
  #exit: ProcessExit | undefined;

  private constructor(
    pid: number,
    group: ProcessGroup,
    spawnedAt: number,
    exited: Promise<ProcessExit>,
    streams: Readable[],
    drained: Promise<void>,
  ) {
    this.pid = pid;
    this.group = group;
    this.spawnedAt = spawnedAt;
    this.exited = exited;
    this.#streams = streams;
    this.#drained = drained;
    void exited.then((exit) => {
      this.#exit = exit;
    });
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** Throws a UserError when the process can't be started (no such command or directory). */
  static async spawn(service: ServiceSettings, options: SpawnOptions): Promise<ServiceProcess> {
    const command = service.command;
    if (command === undefined) throw new Error(`service "${service.name}" has no command`);
    const clock = options.clock ?? systemClock;
    const { execa } = await loadExeca();
    const execaOptions = { ...SPAWN_OPTIONS, cwd: service.cwd, env: options.env };
    const subprocess =
      'shell' in command
        ? execa(command.shell, { ...execaOptions, shell: true })
        : execa(command.argv[0] as string, command.argv.slice(1), execaOptions);

    const exited = deferred<ProcessExit>();
    const spawned = deferred<void>();
    subprocess.once('spawn', () => spawned.resolve());
    subprocess.once('error', (error) => spawned.reject(error));
    spawned.promise.catch(() => {}); // when the pid is missing, the failure is read from `result` instead
    const result = subprocess.then(
      (value) => value,
      (error: unknown) => error,
    );

    if (subprocess.pid === undefined) {
      const failure = await result;
      throw spawnError(service, failure);
    }
    const group = new ProcessGroup(subprocess.pid, clock);
    subprocess.once('exit', (code, signal) => {
      group.leaderExited = true;
      exited.resolve({ code, signal });
    });

    const streams = [subprocess.stdout, subprocess.stderr] as Readable[];
    const drained = readLines(streams, options.onLines);

    try {
      await spawned.promise;
    } catch (error) {
      throw spawnError(service, error);
    }
    return new ServiceProcess(subprocess.pid, group, clock.now(), exited.promise, streams, drained);
  }

  /**
   * Waits until everything the process wrote has been read, at most `timeoutMs`: a process that left
   * the group (setsid) may hold the pipe open forever, and must not keep devup alive.
   */
  async drain(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([this.#drained, timeout]);
    clearTimeout(timer);
    for (const stream of this.#streams) stream.destroy();
  }
}

function spawnError(service: ServiceSettings, error: unknown): UserError {
  const cause = (error as { cause?: unknown }).cause ?? error;
  const code = (cause as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT' ? 'the command or the directory does not exist' : ((cause as Error).message ?? String(cause));
  return new UserError(`Could not start service "${service.name}": ${reason}`, {
    hint: `Check services.${service.name}.command ("${commandText(service)}") and services.${service.name}.cwd (${service.cwd}).`,
    cause,
  });
}
