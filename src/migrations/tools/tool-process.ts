import type { CommandSpec } from '../../config/types.js';
import { trackProcessGroup, untrackProcessGroup } from '../../lib/process-groups.js';
import { maskSecret } from '../../lib/secret-mask.js';

export interface ToolProcessOptions {
  cwd: string;
  env: Record<string, string>;
  /** Each line of stdout and stderr as it arrives, secrets masked. */
  onLine: (line: string) => void;
  /** When set, stderr's lines go here instead of to onLine. */
  onStderr?: ((line: string) => void) | undefined;
  signal?: AbortSignal | undefined;
  /** Replaced by **** in every line. */
  secrets: readonly string[];
  /** How many of the last lines to keep for the error message. */
  tailLines?: number;
}

export interface ToolProcessResult {
  failed: boolean;
  exitCode: number | undefined;
  /** The command (or, through a shell, its program) does not exist. */
  notFound: boolean;
  canceled: boolean;
  /** execa's one-line account of a failure (signal, spawn error). */
  message: string;
  /** The last lines of output, masked. */
  tail: string[];
}

const KILL_GRACE_MS = 3000;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // A negative pid addresses the whole group: the tool and whatever it started.
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** An argument as a POSIX shell reads it back unchanged. */
export function quoteShellArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

export function describeCommand(command: CommandSpec): string {
  if ('shell' in command) return command.shell;
  return command.argv.map(quoteShellArg).join(' ');
}

/** The program a command starts (for "not found" messages). */
export function commandProgram(command: CommandSpec): string {
  if ('argv' in command) return command.argv[0] ?? '';
  return command.shell.trim().split(/\s+/)[0] ?? '';
}

/**
 * Runs a migration tool in its own process group, streaming its output line by line. Never
 * throws for the tool's own failure: the caller turns the result into a message.
 */
export async function spawnTool(command: CommandSpec, options: ToolProcessOptions): Promise<ToolProcessResult> {
  const { execa } = await import('execa');
  const lines = maskedLines(options.secrets, options.tailLines ?? 20);
  const onLine = lines.handler(options.onLine);
  const execaOptions = {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    stdin: 'ignore',
    stdout: onLine,
    stderr: options.onStderr ? lines.handler(options.onStderr) : onLine,
    // A group of its own, so that an abort stops the tool's children too (a shell, a JVM).
    detached: true,
    reject: false,
  } as const;
  const subprocess =
    'shell' in command
      ? execa(command.shell, { ...execaOptions, shell: true })
      : execa(command.argv[0] as string, command.argv.slice(1), execaOptions);

  const pid = subprocess.pid;
  // Killed if devup exits while the tool runs.
  if (pid !== undefined) trackProcessGroup(pid);
  const abort = stopGroupOnAbort(pid, options.signal);
  try {
    const result = await subprocess;
    const spawnCode = (result as { code?: string }).code;
    return {
      failed: result.failed,
      exitCode: result.exitCode,
      notFound: spawnCode === 'ENOENT' || ('shell' in command && result.exitCode === 127),
      canceled: abort.canceled,
      message: lines.mask(result.shortMessage ?? ''),
      tail: lines.tail,
    };
  } finally {
    abort.dispose();
    if (pid !== undefined) {
      untrackProcessGroup(pid);
      // After an abort, whatever in the group outlived SIGTERM goes too.
      if (abort.canceled) killGroup(pid, 'SIGKILL');
    }
  }
}

/** The tool's output with secrets masked: each line handed on as it arrives, the last ones kept for the error message. */
function maskedLines(secrets: readonly string[], keep: number) {
  const tail: string[] = [];
  const mask = (text: string) => secrets.reduce((acc, secret) => maskSecret(acc, secret), text);
  const handler = (deliver: (line: string) => void) =>
    // biome-ignore lint/correctness/useYield: an execa transform that yields nothing consumes each line, so output streams to the callback instead of piling up in memory.
    function* (line: unknown) {
      const text = mask(String(line).replace(/\r$/, ''));
      tail.push(text);
      if (tail.length > keep) tail.shift();
      deliver(text);
    };
  return { tail, mask, handler };
}

/** On abort: SIGTERM to the tool's whole group, SIGKILL after a grace period. */
function stopGroupOnAbort(
  pid: number | undefined,
  signal: AbortSignal | undefined,
): { readonly canceled: boolean; dispose(): void } {
  let canceled = false;
  let forceKill: NodeJS.Timeout | undefined;
  const onAbort = () => {
    if (pid === undefined) return;
    canceled = true;
    killGroup(pid, 'SIGTERM');
    forceKill = setTimeout(() => killGroup(pid, 'SIGKILL'), KILL_GRACE_MS);
    forceKill.unref();
  };
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  return {
    get canceled() {
      return canceled;
    },
    dispose() {
      signal?.removeEventListener('abort', onAbort);
      if (forceKill) clearTimeout(forceKill);
    },
  };
}
