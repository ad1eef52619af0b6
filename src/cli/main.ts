import { Command, CommanderError, Option } from 'commander';
import { createContext, type GlobalOptions } from '../app/context.js';
import { EXIT, InterruptedError } from '../errors.js';
import { errorEvent, formatError } from '../ui/format-error.js';
import { detectOutputMode, Output } from '../ui/output.js';
import { VERSION } from '../version.js';

type Handler = (
  ctx: ReturnType<typeof createContext>,
  options: Record<string, unknown>,
  args: string[],
) => Promise<number>;

/** Each command module is loaded only when that command runs; a `readOnly` one writes no file. */
function lazy(load: () => Promise<{ default: Handler }>, kind: { readOnly?: boolean } = {}) {
  return async function (this: Command, ...rest: unknown[]) {
    const command = rest.at(-1) as Command;
    const options = command.optsWithGlobals() as GlobalOptions & Record<string, unknown>;
    const args = command.args;
    const ctx = createContext(options, kind);
    const handler = (await load()).default;
    exitCode = await handler(ctx, options, args);
  };
}

let exitCode: number = EXIT.ok;

export function buildProgram(): Command {
  const program = new Command('devup')
    .description('Boot Postgres, migrate every service and tenant, and start your backend services.')
    .version(VERSION, '-V, --version')
    .option('-c, --config <path>', 'config file (default: devup.config.* in this or a parent directory)')
    .addOption(
      new Option('-e, --engine <engine>', 'where Postgres runs').choices(['auto', 'docker', 'embedded', 'external']),
    )
    .option('--json', 'machine-readable output (JSON lines)')
    .option('-v, --verbose', 'more detail: each migration file, stacks of wrapped errors')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });

  program
    .command('dev', { isDefault: true })
    .description('boot Postgres, run pending migrations, start every service (the default)')
    .option('--skip-migrations', 'do not run migrations (still says when some are pending)')
    .option('--only <services>', 'start only these services (comma-separated) and what they depend on')
    .option('--no-seed', 'do not apply seed data to a fresh database')
    .option('--strict', 'out-of-order migrations are errors')
    .option('--ui', 'serve the local dashboard on 127.0.0.1 and print its URL (docs/dashboard.md)')
    .option('--ui-read-only', 'the dashboard without any action (implies --ui)')
    .option('--keep-going', 'a failing service leaves the others running; it restarts on r or when its files change')
    .action(lazy(() => import('./dev.js')));

  program
    .command('ui')
    .description("print the URL of the running devup dev's dashboard (--open opens it)")
    .option('--open', 'open it in the browser (xdg-open)')
    .action(lazy(() => import('./ui.js')));

  const migrate = program
    .command('migrate')
    .description('apply pending migrations for every service and tenant')
    .option('--service <names>', 'only these services (comma-separated)')
    .option('--tenant <tenant>', 'only this tenant')
    .option(
      '--context <names>',
      'run migrations and seeds of these contexts (comma-separated; default migrations.context, else dev)',
    )
    .option('--dry-run', 'print the SQL each target would run; change nothing')
    .option('--strict', 'out-of-order or missing migrations are errors (for CI and deploys)')
    .option('--wait <duration>', 'wait this long for the server to answer (external engine): 30s, 2m')
    .option(
      '--lock-timeout <duration>',
      'lock_timeout for every migration, retried with backoff (migrations.lockTimeout)',
    )
    .option('--statement-timeout <duration>', 'statement_timeout for every migration (migrations.statementTimeout)')
    .action(lazy(() => import('./migrate.js')));
  migrate
    .command('status')
    .description('per target: applied, pending, failed and changed migrations')
    .option('--service <names>', 'only these services')
    .option('--tenant <tenant>', 'only this tenant')
    .option(
      '--context <names>',
      'what a run of these contexts would apply and skip (default migrations.context, else dev)',
    )
    .option('--exit-code', 'exit 3 when something is pending, 0 when nothing is (1 on error): for CI and deploy gates')
    .action(lazy(() => import('./migrate-status.js'), { readOnly: true }));
  migrate
    .command('down')
    .description('roll back through down files (default: the last migration)')
    .option('--service <names>', 'only these services')
    .option('--tenant <tenant>', 'only this tenant')
    .option('--steps <n>', 'how many migrations to roll back', '1')
    .option('--to <version>', 'roll back every migration newer than this version')
    .option('--to-tag <name>', 'roll each target back to where `devup migrate tag <name>` found it')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(lazy(() => import('./migrate-down.js')));
  migrate
    .command('tag')
    .description('name the migration each target is at, to roll back to with `migrate down --to-tag`')
    .argument('<name>', 'the tag, e.g. release-1.4')
    .option('--service <names>', 'only these services')
    .option('--tenant <tenant>', 'only this tenant')
    .option('--force', 'move the tag where it exists already')
    .action(lazy(() => import('./migrate-tag.js')));
  migrate
    .command('redo')
    .description('roll back the newest applied migration and apply it again (after editing it)')
    .option('--service <names>', 'only this service')
    .option('--tenant <tenant>', 'only this tenant')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(lazy(() => import('./migrate-redo.js')));
  migrate
    .command('repair')
    .description('accept changed files and clear failed migrations, after saying what changes')
    .option('--service <names>', 'only these services')
    .option('--tenant <tenant>', 'only this tenant')
    .option('-y, --yes', 'do not ask')
    .action(lazy(() => import('./migrate-repair.js')));
  migrate
    .command('baseline')
    .description('mark migrations up to a version as applied without running them')
    .requiredOption('--to <version>', 'the newest version the database already has')
    .option('--service <names>', 'only these services')
    .option('--tenant <tenant>', 'only this tenant')
    .action(lazy(() => import('./migrate-baseline.js')));

  program
    .command('new')
    .description('create files: `devup new migration <service> <name>`')
    .argument('<kind>', 'what to create: migration')
    .argument('<service>', 'the service')
    .argument('<name>', 'a short name, e.g. add_user_bio')
    .action(lazy(() => import('./new-migration.js')));

  program
    .command('schema')
    .description("write each service's schema as DDL and Markdown docs with an ER diagram (schema.dir)")
    .option('--from-dev', 'read the dev database instead of building from zero on a throwaway Postgres')
    .action(lazy(() => import('./schema.js')));

  program
    .command('reset')
    .description("destroy this project's local database and build it again (migrate, seed, start)")
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--service <names>', "reset only these services' schemas")
    .option('--tenant <tenant>', 'only this tenant')
    .option('--no-start', 'stop after migrating and seeding')
    .option('--no-seed', 'do not apply seed data')
    .option('--force', 'allow resetting an external database that is not on this machine')
    .option('--infra <name>', "empty one infra entry's data (its container and volumes) instead of the database")
    .addHelpText(
      'after',
      '\nA full reset restores every database from the template taken after the last rebuild when the\nmigrations, seeds and config are unchanged since; otherwise it rebuilds through the migrations.',
    )
    .action(lazy(() => import('./reset.js')));

  const snapshot = program
    .command('snapshot')
    .description('named copies of every project database: save, restore, list, rm');
  snapshot
    .command('save')
    .description('copy every project database under a name (their connections are ended for the copy)')
    .argument('<name>', 'a short name, e.g. before-import')
    .option('--force', 'allow it on an external database that is not on this machine')
    .action(lazy(() => import('./snapshot-save.js')));
  snapshot
    .command('restore')
    .description('replace every project database with the snapshot, then apply pending migrations')
    .argument('<name>', 'the snapshot')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--no-seed', 'do not seed schemas that the pending migrations create')
    .option('--force', 'allow it on an external database that is not on this machine')
    .action(lazy(() => import('./snapshot-restore.js')));
  snapshot
    .command('list')
    .description('snapshots with size, age, migration state and whether the migrations changed since')
    .option('--force', 'allow it on an external database that is not on this machine')
    .action(lazy(() => import('./snapshot-list.js'), { readOnly: true }));
  snapshot
    .command('rm')
    .description('remove a snapshot')
    .argument('<name>', 'the snapshot')
    .option('--force', 'allow it on an external database that is not on this machine')
    .action(lazy(() => import('./snapshot-rm.js')));

  program
    .command('tidy-copies', { hidden: true })
    .description('drop replaced databases and clone spares for the next reset (run in the background)')
    .action(lazy(() => import('../app/tidy-copies.js')));

  program
    .command('down')
    .description('stop Postgres and keep its data (--volumes destroys it)')
    .option('--volumes', "also destroy the container's volume or the embedded data directory, and the infra's volumes")
    .option('-y, --yes', 'do not ask for confirmation')
    .action(lazy(() => import('./down.js')));

  program
    .command('check')
    .description('CI gate: every migration from zero on a throwaway Postgres, conflicts, reversibility, lint')
    .option('--base <ref>', 'a git ref (e.g. origin/main): lint what was added since, refuse versions below its newest')
    .option('--all', 'lint every migration, not only those added since --base')
    .option('--context <names>', 'the migration contexts the throwaway runs (default migrations.context, else dev)')
    .option(
      '--statement-timeout <duration>',
      'a migration running longer fails the check (check.statementTimeout, default 5m)',
    )
    .action(lazy(() => import('./check.js')));

  program
    .command('deploy')
    .description('what a deploy needs: `devup deploy k8s` prints the migration Job')
    .command('k8s')
    .description('print a Kubernetes Job that runs the migrations (image: docker/Dockerfile)')
    .option('--helm-hook', 'as a Helm pre-install/pre-upgrade hook')
    .option(
      '--image <image>',
      'the migration image (default: <project>-migrations:latest, the project as a DNS name: my_proj → my-proj)',
    )
    .option(
      '--secret <name>',
      'the Secret whose DATABASE_URL key the Job reads (default: <project>-database, the project as a DNS name)',
    )
    .option('--context <names>', 'the migration contexts the Job runs, e.g. production (default: migrations.context)')
    .action(lazy(() => import('./deploy-k8s.js')));

  program
    .command('import')
    .description("adopt another tool's setup")
    .command('compose [files...]')
    .description(
      'write infra (and database settings) from docker-compose files; shows it first, lists what it does not carry',
    )
    .option('-y, --yes', 'write without asking')
    .action(lazy(() => import('./import-compose.js')));

  program
    .command('ls')
    .description('every devup environment on this machine: checkout, engine, Postgres port and state, running services')
    .action(lazy(() => import('./ls.js')));

  program
    .command('prune')
    .description('remove what checkouts whose directory no longer exists left behind (containers, volumes, data)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(lazy(() => import('./prune.js')));

  program
    .command('init')
    .description('write a first devup.config.mjs from what this repo has (shows it first)')
    .option('-y, --yes', 'write without asking')
    .action(lazy(() => import('./init.js')));

  program
    .command('logs')
    .description("the running devup dev's service logs (the last session's when none runs)")
    .argument('[services...]', 'only these services')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .action(lazy(() => import('./logs.js')));

  program
    .command('status')
    .description('engine, database health, migration state and running services')
    .action(lazy(() => import('./status.js'), { readOnly: true }));

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
