import type { Command, OptionValues } from '@commander-js/extra-typings';
import { CommanderError } from '@commander-js/extra-typings';
import { type CommandContext, createContext } from '../app/context.js';
import { EXIT, InterruptedError } from '../errors.js';
import { errorEvent, formatError } from '../ui/format-error.js';
import { detectOutputMode, Output } from '../ui/output.js';
import {
  checkCommand,
  deployCommand,
  deployK8sCommand,
  devCommand,
  downCommand,
  importCommand,
  importComposeCommand,
  initCommand,
  logsCommand,
  lsCommand,
  migrateBaselineCommand,
  migrateCommand,
  migrateDownCommand,
  migrateRedoCommand,
  migrateRepairCommand,
  migrateStatusCommand,
  migrateTagCommand,
  newCommand,
  programCommand,
  pruneCommand,
  resetCommand,
  schemaCommand,
  snapshotCommand,
  snapshotListCommand,
  snapshotRestoreCommand,
  snapshotRmCommand,
  snapshotSaveCommand,
  statusCommand,
  tidyCopiesCommand,
  uiCommand,
} from './commands.js';

/** A command module's default export: its flags and arguments as the command table declares them. */
type Handler<Options, Args> = (ctx: CommandContext, options: Options, args: Args) => Promise<number>;

let exitCode: number = EXIT.ok;

/**
 * Runs the handler when its command is parsed, loaded only then; a `readOnly` command writes no
 * file. The handler's parameter types must match what the declaration parses.
 */
function run<Args extends unknown[], Opts extends OptionValues, Globals extends OptionValues>(
  command: Command<Args, Opts, Globals>,
  load: () => Promise<{ default: Handler<ReturnType<Command<Args, Opts, Globals>['optsWithGlobals']>, NoInfer<Args>> }>,
  kind: { readOnly?: boolean } = {},
): void {
  command.action(async () => {
    const options = command.optsWithGlobals();
    const ctx = createContext(options, kind);
    exitCode = await (await load()).default(ctx, options, command.processedArgs);
  });
}

export function buildProgram(): Command {
  const program = programCommand();
  run(devCommand(program), () => import('./dev.js'));
  run(uiCommand(program), () => import('./ui.js'));
  const migrate = migrateCommand(program);
  run(migrate, () => import('./migrate.js'));
  run(migrateStatusCommand(migrate), () => import('./migrate-status.js'), { readOnly: true });
  run(migrateDownCommand(migrate), () => import('./migrate-down.js'));
  run(migrateTagCommand(migrate), () => import('./migrate-tag.js'));
  run(migrateRedoCommand(migrate), () => import('./migrate-redo.js'));
  run(migrateRepairCommand(migrate), () => import('./migrate-repair.js'));
  run(migrateBaselineCommand(migrate), () => import('./migrate-baseline.js'));
  run(newCommand(program), () => import('./new-migration.js'));
  run(schemaCommand(program), () => import('./schema.js'));
  run(resetCommand(program), () => import('./reset.js'));
  const snapshot = snapshotCommand(program);
  run(snapshotSaveCommand(snapshot), () => import('./snapshot-save.js'));
  run(snapshotRestoreCommand(snapshot), () => import('./snapshot-restore.js'));
  run(snapshotListCommand(snapshot), () => import('./snapshot-list.js'), { readOnly: true });
  run(snapshotRmCommand(snapshot), () => import('./snapshot-rm.js'));
  run(tidyCopiesCommand(program), () => import('../app/tidy-copies.js'));
  run(downCommand(program), () => import('./down.js'));
  run(checkCommand(program), () => import('./check.js'));
  run(deployK8sCommand(deployCommand(program)), () => import('./deploy-k8s.js'));
  run(importComposeCommand(importCommand(program)), () => import('./import-compose.js'));
  run(lsCommand(program), () => import('./ls.js'));
  run(pruneCommand(program), () => import('./prune.js'));
  run(initCommand(program), () => import('./init.js'));
  run(logsCommand(program), () => import('./logs.js'));
  run(statusCommand(program), () => import('./status.js'), { readOnly: true });
  return program;
}

/** The one place that turns errors into exit codes and calls process.exit. */
export async function main(argv: string[]): Promise<never> {
  // `devup migrate status | head`: a reader that left early is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(exitCode);
      throw error;
    });
  }
  const json = argv.includes('--json');
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  const output = new Output(detectOutputMode({ json }));
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    exitCode = report(error, output, verbose, json);
  }
  process.exit(exitCode);
}

function report(error: unknown, output: Output, verbose: boolean, json: boolean): number {
  if (error instanceof CommanderError) {
    if (['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code)) return EXIT.ok;
    return EXIT.usage; // commander already printed the message
  }
  const { text, exitCode: code } = formatError(error, output, verbose);
  // --json: stdout stays one JSON object per line, the error included.
  if (json) output.event(errorEvent(error));
  else output.error(text);
  return error instanceof InterruptedError ? EXIT.interrupted : code;
}
