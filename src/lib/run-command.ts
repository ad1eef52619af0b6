import { UserError } from '../errors.js';
import { trackProcessGroup, untrackProcessGroup } from './process-groups.js';
import { maskSecret } from './secret-mask.js';

/** A command as the user wrote it: a string run through a shell, or an argv array run directly. */
export type CommandSpec = { shell: string } | { argv: string[] };

/** Runs a short command (tenant lists, seeds) and returns its stdout; fails with its stderr. */
export async function runCommand(
  command: CommandSpec,
  options: { cwd: string; what: string; env?: Record<string, string> },
): Promise<string> {
  const { execa } = await import('execa');
  // A group of its own, killed whole if devup exits first (Ctrl-C while a tenant command hangs):
  // a shell's children would otherwise outlive it.
  const settings = { cwd: options.cwd, env: options.env ?? {}, reject: false, detached: true } as const;
  const run =
    'shell' in command
      ? execa(command.shell, { ...settings, shell: true })
      : execa(command.argv[0] as string, command.argv.slice(1), settings);
  const pgid = run.pid;
  if (pgid !== undefined) trackProcessGroup(pgid);
  const result = await run.finally(() => {
    if (pgid !== undefined) untrackProcessGroup(pgid);
  });
  if (result.failed) {
    throw new UserError(
      `${options.what} failed (${result.exitCode === undefined ? result.shortMessage : `exit code ${result.exitCode}`})`,
      {
        details: maskSecret(String(result.stderr || result.stdout || ''), options.env?.PGPASSWORD)
          .trimEnd()
          .split('\n')
          .slice(-15)
          .map((l) => `  ${l}`),
        hint: 'The lines shown are the end of its output: fix the cause, then run devup again.',
      },
    );
  }
  return String(result.stdout);
}
