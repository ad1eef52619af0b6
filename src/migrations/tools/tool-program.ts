import type { CommandSpec } from '../../config/types.js';
import { UserError } from '../../errors.js';
import type { ToolAdapter, ToolCommandContext, ToolSettings } from './tool-adapter.js';
import { describeCommand, quoteShellArg } from './tool-process.js';

/** The program followed by more arguments, in the same form (argv, or one shell string). */
export function withArgs(program: CommandSpec, args: readonly string[]): CommandSpec {
  if ('argv' in program) return { argv: [...program.argv, ...args] };
  return { shell: [program.shell, ...args.map(quoteShellArg)].join(' ') };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * What precedes the tool's apply step at the end of `command`, e.g. `python3 -m alembic` in
 * `python3 -m alembic upgrade head`; undefined when `command` does not end that way.
 */
export function programFromCommand(
  command: CommandSpec,
  suffixes: readonly (readonly string[])[],
): CommandSpec | undefined {
  for (const suffix of suffixes) {
    if ('argv' in command) {
      const head = command.argv.length - suffix.length;
      if (head > 0 && suffix.every((word, i) => command.argv[head + i] === word)) {
        return { argv: command.argv.slice(0, head) };
      }
    } else {
      const pattern = new RegExp(`\\s+${suffix.map(escapeRegExp).join('\\s+')}\\s*$`);
      const match = pattern.exec(command.shell);
      if (match && match.index > 0) return { shell: command.shell.slice(0, match.index) };
    }
  }
  return undefined;
}

/**
 * How devup starts the tool for subcommands other than the apply step (downgrade, revision,
 * rollback, new): `migrations.program`, else `command` without its apply step, else the tool's
 * default program (looked up on the tool PATH).
 */
export function toolProgram(
  adapter: ToolAdapter,
  settings: ToolSettings,
  service: string,
  context: ToolCommandContext,
): CommandSpec {
  if (settings.program) return settings.program;
  if (settings.command) {
    const derived = programFromCommand(settings.command, adapter.upgradeSuffixes);
    if (derived) return derived;
    const endings = adapter.upgradeSuffixes.map((s) => `"${s.join(' ')}"`).join(' or ');
    throw new UserError(
      `services.${service}.migrations.command (${describeCommand(settings.command)}) does not end with ${endings || "the tool's apply step"}, so devup cannot tell how to run ${adapter.tool}'s other commands`,
      {
        hint: `Set services.${service}.migrations.program to the command that starts ${adapter.tool} without a subcommand, e.g. ${JSON.stringify([...adapter.program(context)])} or "poetry run ${adapter.tool}".`,
      },
    );
  }
  return { argv: adapter.program(context) };
}

/** The command that applies every pending migration: `command`, else the program and its apply step. */
export function upgradeCommand(
  adapter: ToolAdapter,
  settings: ToolSettings,
  service: string,
  context: ToolCommandContext,
): CommandSpec {
  if (settings.command) return settings.command;
  const program = settings.program ?? { argv: adapter.program(context) };
  if ('argv' in program && program.argv.length === 0) {
    throw new UserError(`services.${service}.migrations: tool "${adapter.tool}" needs a command`, {
      hint: 'Set migrations.command to the program that applies the migrations, e.g. "./scripts/migrate.sh".',
    });
  }
  return withArgs(program, adapter.upgradeArgs(context));
}
