import { Command, Option, type OptionValues } from '@commander-js/extra-typings';
import { VERSION } from '../version.js';

// The command table: every command, its flags and help (cli/main.ts says which module runs it).
// Each handler's options type is derived here: a flag renamed or removed fails its type-check.

/** What a command's handler receives: its own flags and those of the commands above it. */
export type OptionsOf<D extends (parent: never) => { optsWithGlobals(): unknown }> = ReturnType<
  ReturnType<D>['optsWithGlobals']
>;
/** A command's arguments, as commander parsed them (`<name>` a string, `[files...]` a string[]). */
export type ArgsOf<D extends (parent: never) => { processedArgs: unknown }> = ReturnType<D>['processedArgs'];

/** `--service` and `--tenant`: the targets a migrate subcommand works on. */
function selectingTargets<Args extends unknown[], Opts extends OptionValues, Globals extends OptionValues>(
  command: Command<Args, Opts, Globals>,
  services = 'only these services',
) {
  return command.option('--service <names>', services).option('--tenant <tenant>', 'only this tenant');
}

export const programCommand = () =>
  new Command('devup')
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
type Program = ReturnType<typeof programCommand>;

export const devCommand = (program: Program) =>
  program
    .command('dev', { isDefault: true })
    .description('boot Postgres, run pending migrations, start every service (the default)')
    .option('--skip-migrations', 'do not run migrations (still says when some are pending)')
    .option('--only <services>', 'start only these services (comma-separated) and what they depend on')
    .option('--no-seed', 'do not apply seed data to a fresh database')
    .option('--strict', 'out-of-order migrations are errors')
    .option('--ui', 'serve the local dashboard on 127.0.0.1 and print its URL (docs/dashboard.md)')
    .option('--ui-read-only', 'the dashboard without any action (implies --ui)')
    .option('--keep-going', 'a failing service leaves the others running; it restarts on r or when its files change');
export type DevOptions = OptionsOf<typeof devCommand>;

export const uiCommand = (program: Program) =>
  program
    .command('ui')
    .description("print the URL of the running devup dev's dashboard (--open opens it)")
    .option('--open', 'open it in the browser (xdg-open)');
export type UiOptions = OptionsOf<typeof uiCommand>;

export const migrateCommand = (program: Program) =>
  selectingTargets(
    program.command('migrate').description('apply pending migrations for every service and tenant'),
    'only these services (comma-separated)',
  )
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
    .option('--statement-timeout <duration>', 'statement_timeout for every migration (migrations.statementTimeout)');
export type MigrateOptions = OptionsOf<typeof migrateCommand>;
type MigrateCommand = ReturnType<typeof migrateCommand>;

export const migrateStatusCommand = (parent: MigrateCommand) =>
  selectingTargets(parent.command('status').description('per target: applied, pending, failed and changed migrations'))
    .option(
      '--context <names>',
      'what a run of these contexts would apply and skip (default migrations.context, else dev)',
    )
    .option('--exit-code', 'exit 3 when something is pending, 0 when nothing is (1 on error): for CI and deploy gates');
export type MigrateStatusOptions = OptionsOf<typeof migrateStatusCommand>;

export const migrateDownCommand = (parent: MigrateCommand) =>
  selectingTargets(parent.command('down').description('roll back through down files (default: the last migration)'))
    .option('--steps <n>', 'how many migrations to roll back', '1')
    .option('--to <version>', 'roll back every migration newer than this version')
    .option('--to-tag <name>', 'roll each target back to where `devup migrate tag <name>` found it')
    .option('-y, --yes', 'do not ask for confirmation');
export type MigrateDownOptions = OptionsOf<typeof migrateDownCommand>;

export const migrateTagCommand = (parent: MigrateCommand) =>
  selectingTargets(
    parent
      .command('tag')
      .description('name the migration each target is at, to roll back to with `migrate down --to-tag`')
      .argument('<name>', 'the tag, e.g. release-1.4'),
  ).option('--force', 'move the tag where it exists already');
export type MigrateTagOptions = OptionsOf<typeof migrateTagCommand>;
export type MigrateTagArgs = ArgsOf<typeof migrateTagCommand>;

export const migrateRedoCommand = (parent: MigrateCommand) =>
  selectingTargets(
    parent.command('redo').description('roll back the newest applied migration and apply it again (after editing it)'),
    'only this service',
  ).option('-y, --yes', 'do not ask for confirmation');
export type MigrateRedoOptions = OptionsOf<typeof migrateRedoCommand>;

export const migrateRepairCommand = (parent: MigrateCommand) =>
  selectingTargets(
    parent.command('repair').description('accept changed files and clear failed migrations, after saying what changes'),
  ).option('-y, --yes', 'do not ask');
export type MigrateRepairOptions = OptionsOf<typeof migrateRepairCommand>;

export const migrateBaselineCommand = (parent: MigrateCommand) =>
  selectingTargets(
    parent
      .command('baseline')
      .description('mark migrations up to a version as applied without running them')
      .requiredOption('--to <version>', 'the newest version the database already has'),
  );
export type MigrateBaselineOptions = OptionsOf<typeof migrateBaselineCommand>;

export const newCommand = (program: Program) =>
  program
    .command('new')
    .description('create files: `devup new migration <service> <name>`')
    .argument('<kind>', 'what to create: migration')
    .argument('<service>', 'the service')
    .argument('<name>', 'a short name, e.g. add_user_bio');
export type NewOptions = OptionsOf<typeof newCommand>;
export type NewArgs = ArgsOf<typeof newCommand>;

export const schemaCommand = (program: Program) =>
  program
    .command('schema')
    .description("write each service's schema as DDL and Markdown docs with an ER diagram (schema.dir)")
    .option('--from-dev', 'read the dev database instead of building from zero on a throwaway Postgres');
export type SchemaOptions = OptionsOf<typeof schemaCommand>;

export const resetCommand = (program: Program) =>
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
    );
export type ResetOptions = OptionsOf<typeof resetCommand>;

export const snapshotCommand = (program: Program) =>
  program.command('snapshot').description('named copies of every project database: save, restore, list, rm');
type SnapshotCommand = ReturnType<typeof snapshotCommand>;

export const snapshotSaveCommand = (parent: SnapshotCommand) =>
  parent
    .command('save')
    .description('copy every project database under a name (their connections are ended for the copy)')
    .argument('<name>', 'a short name, e.g. before-import')
    .option('--force', 'allow it on an external database that is not on this machine');
export type SnapshotSaveOptions = OptionsOf<typeof snapshotSaveCommand>;
export type SnapshotSaveArgs = ArgsOf<typeof snapshotSaveCommand>;

export const snapshotRestoreCommand = (parent: SnapshotCommand) =>
  parent
    .command('restore')
    .description('replace every project database with the snapshot, then apply pending migrations')
    .argument('<name>', 'the snapshot')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--no-seed', 'do not seed schemas that the pending migrations create')
    .option('--force', 'allow it on an external database that is not on this machine');
export type SnapshotRestoreOptions = OptionsOf<typeof snapshotRestoreCommand>;
export type SnapshotRestoreArgs = ArgsOf<typeof snapshotRestoreCommand>;

export const snapshotListCommand = (parent: SnapshotCommand) =>
  parent
    .command('list')
    .description('snapshots with size, age, migration state and whether the migrations changed since')
    .option('--force', 'allow it on an external database that is not on this machine');
export type SnapshotListOptions = OptionsOf<typeof snapshotListCommand>;

export const snapshotRmCommand = (parent: SnapshotCommand) =>
  parent
    .command('rm')
    .description('remove a snapshot')
    .argument('<name>', 'the snapshot')
    .option('--force', 'allow it on an external database that is not on this machine');
export type SnapshotRmOptions = OptionsOf<typeof snapshotRmCommand>;
export type SnapshotRmArgs = ArgsOf<typeof snapshotRmCommand>;

export const tidyCopiesCommand = (program: Program) =>
  program
    .command('tidy-copies', { hidden: true })
    .description('drop replaced databases and clone spares for the next reset (run in the background)');
export type TidyCopiesOptions = OptionsOf<typeof tidyCopiesCommand>;

export const downCommand = (program: Program) =>
  program
    .command('down')
    .description('stop Postgres and keep its data (--volumes destroys it)')
    .option('--volumes', "also destroy the container's volume or the embedded data directory, and the infra's volumes")
    .option('-y, --yes', 'do not ask for confirmation');
export type DownOptions = OptionsOf<typeof downCommand>;

export const checkCommand = (program: Program) =>
  program
    .command('check')
    .description('CI gate: every migration from zero on a throwaway Postgres, conflicts, reversibility, lint')
    .option('--base <ref>', 'a git ref (e.g. origin/main): lint what was added since, refuse versions below its newest')
    .option('--all', 'lint every migration, not only those added since --base')
    .option('--context <names>', 'the migration contexts the throwaway runs (default migrations.context, else dev)')
    .option(
      '--statement-timeout <duration>',
      'a migration running longer fails the check (check.statementTimeout, default 5m)',
    );
export type CheckOptions = OptionsOf<typeof checkCommand>;

export const deployCommand = (program: Program) =>
  program.command('deploy').description('what a deploy needs: `devup deploy k8s` prints the migration Job');
type DeployCommand = ReturnType<typeof deployCommand>;

export const deployK8sCommand = (parent: DeployCommand) =>
  parent
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
    .option('--context <names>', 'the migration contexts the Job runs, e.g. production (default: migrations.context)');
export type DeployK8sOptions = OptionsOf<typeof deployK8sCommand>;

export const importCommand = (program: Program) => program.command('import').description("adopt another tool's setup");
type ImportCommand = ReturnType<typeof importCommand>;

export const importComposeCommand = (parent: ImportCommand) =>
  parent
    .command('compose [files...]')
    .description(
      'write infra (and database settings) from docker-compose files; shows it first, lists what it does not carry',
    )
    .option('-y, --yes', 'write without asking');
export type ImportComposeOptions = OptionsOf<typeof importComposeCommand>;
export type ImportComposeArgs = ArgsOf<typeof importComposeCommand>;

export const lsCommand = (program: Program) =>
  program
    .command('ls')
    .description(
      'every devup environment on this machine: checkout, engine, Postgres port and state, running services',
    );
export type LsOptions = OptionsOf<typeof lsCommand>;

export const pruneCommand = (program: Program) =>
  program
    .command('prune')
    .description('remove what checkouts whose directory no longer exists left behind (containers, volumes, data)')
    .option('-y, --yes', 'do not ask for confirmation');
export type PruneOptions = OptionsOf<typeof pruneCommand>;

export const initCommand = (program: Program) =>
  program
    .command('init')
    .description('write a first devup.config.mjs from what this repo has (shows it first)')
    .option('-y, --yes', 'write without asking');
export type InitOptions = OptionsOf<typeof initCommand>;

export const logsCommand = (program: Program) =>
  program
    .command('logs')
    .description("the running devup dev's service logs (the last session's when none runs)")
    .argument('[services...]', 'only these services')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C');
export type LogsOptions = OptionsOf<typeof logsCommand>;
export type LogsArgs = ArgsOf<typeof logsCommand>;

export const statusCommand = (program: Program) =>
  program.command('status').description('engine, database health, migration state and running services');
export type StatusOptions = OptionsOf<typeof statusCommand>;
