import type { CommandSpec } from '../lib/run-command.js';
import type { InfraKind } from './infra-presets.js';
import type { EngineName, MigrationTool } from './schema.js';

export type { CommandSpec };

export type TenantSource =
  | { kind: 'list'; tenants: string[] }
  | { kind: 'query'; sql: string }
  | { kind: 'command'; command: CommandSpec };

export type MigrationSettings = (
  | {
      kind: 'sql';
      dir: string;
      /** A target with no history: every migration run, or the committed schema snapshot loaded. */
      bootstrap: 'replay' | 'schema';
    }
  | {
      kind: 'tool';
      tool: MigrationTool;
      command: CommandSpec | undefined;
      /** The tool's program without a subcommand (`python -m alembic`), when set. */
      program: CommandSpec | undefined;
      cwd: string;
      dir: string | undefined;
      /** `migrations.env`, placeholders not yet expanded (they differ per target). */
      env: Record<string, string>;
      /** Alembic only: a target with no history built from the committed schema snapshot, then stamped. */
      bootstrap: 'replay' | 'schema';
    }
) & {
  tenants: TenantSource;
  /** Schema name template, e.g. `auth_{tenant}`; `{service}` and `{tenant}` are substituted. */
  schemaTemplate: string;
  /** Tenants migrating at once, after the first one has run alone. */
  concurrency: number;
};

export type SeedSettings = { kind: 'sql'; pattern: string } | { kind: 'command'; command: CommandSpec };

export type ReadyCheck =
  | { kind: 'http'; url: string }
  | { kind: 'tcp'; port: number }
  | { kind: 'log'; pattern: RegExp }
  | { kind: 'none' };

export interface ServiceSettings {
  name: string;
  cwd: string;
  command: CommandSpec | undefined;
  env: Record<string, string>;
  envFile: string | undefined;
  port: number | undefined;
  dependsOn: string[];
  ready: ReadyCheck;
  readyTimeoutMs: number;
  restart: 'no' | 'on-failure';
  stopTimeoutMs: number;
  /** A database of its own; undefined means the project's main database. */
  database: string | undefined;
  migrations: MigrationSettings | undefined;
  seed: SeedSettings | undefined;
  /** Restarted (with its dependents) after `devup dev` applied one of its migrations while running. */
  restartOnMigrate: boolean;
  /** `services.NAME.check`: what `devup check` runs for it on the throwaway at head. */
  check?: ServiceCheckSettings | undefined;
}

export interface ServiceCheckSettings {
  commands: CommandSpec[];
  /** Each generator and the files it writes (absolute), which must equal the committed ones. */
  generated: { command: CommandSpec; files: string[] }[];
  /** Alembic services: models against the migrated database. */
  drift: boolean;
  /** The Python with the models and Alembic (else derived from migrations.program). */
  python: string | undefined;
}

export interface DatabaseSettings {
  engine: EngineName;
  image: string;
  port: number;
  user: string;
  password: string;
  /** A generated password not saved yet: saved here before a server is created with it. */
  unsavedPasswordFile?: string;
  database: string;
  /** Docker: the stem of the container and volume names (`<stem>-postgres`); the project unless a checkout moved it. */
  dockerName?: string;
  bind: string;
  /** For the external engine: the DATABASE_URL from config or environment. */
  url: string | undefined;
  /** Embedded engine: where the cluster lives (absolute). */
  dataDir: string;
  readyTimeoutMs: number;
  /** Docker: the container's server preloads pg_stat_statements (devup sets its command). */
  statStatements: boolean;
  /** External engine: create services' missing databases (docker and embedded always do). */
  createDatabases?: boolean;
}

/** How devup knows an infra container is ready; ports are the container's. */
export type InfraReady =
  | { kind: 'command'; argv: string[]; expect?: string }
  | { kind: 'http'; port: number; path: string }
  | { kind: 'tcp'; port: number }
  | { kind: 'log'; pattern: RegExp };

/** `infra.NAME`, defaults of its preset filled in. */
export interface InfraSettings {
  name: string;
  kind: InfraKind | undefined;
  image: string;
  /** In order; the first is the main one (`{infra.NAME.port}`, the URL). Host ports bind 127.0.0.1. */
  ports: { container: number; host: number }[];
  /** The container's environment, credentials included. */
  env: Record<string, string>;
  command: string[] | undefined;
  /** Named volumes (the short name; the Docker name adds project and checkout) and their mount points. */
  volumes: { name: string; path: string }[];
  data: 'persist' | 'ephemeral';
  ready: InfraReady;
  readyTimeoutMs: number;
  dependsOn: string[];
  /** Generated (once per checkout) or given in `env`; empty when the kind has none. */
  user: string;
  password: string;
  /** A generated password not saved yet: saved before a container is created with it. */
  unsavedPasswordFile?: string;
  /** Run the preset's own program without Docker when it is on PATH. */
  native: boolean;
}

/** `devup check`: tenants to check with, and which squawk rules fail or only warn. */
export interface CheckSettings {
  /** For services whose tenants come from a query or command (a fresh database has none). */
  tenants: string[] | undefined;
  lint: { ignore: string[]; warn: string[] };
  /** statement_timeout for the migrations the check applies (--statement-timeout wins). */
  statementTimeoutMs: number;
}

/** `schema`: the committed schema snapshots and database docs (`devup schema`). */
export interface SchemaDocsSettings {
  /** Absolute. */
  dir: string;
  /** `service` leaves a service out; `service.table` (`*` allowed) some of its tables. */
  exclude: string[];
  /** Rewrite the files after `devup migrate` / `devup dev` applied migrations. */
  refresh: boolean;
}

export interface DatabaseSetup {
  extensions: { name: string; schema: string }[];
  /** Absolute paths of SQL files, in the order given. */
  init: string[];
}

export interface UiSettings {
  enabled: boolean;
  /** Tried first, before the one remembered in .devup/dashboard.json; shifted with the checkout. */
  port: number | undefined;
  readOnly: boolean;
}

export interface ResolvedConfig {
  configPath: string;
  /** The directory of the config file; relative paths in the config are resolved against it. */
  root: string;
  /** Where devup keeps state for this project (git-ignored). */
  stateDir: string;
  project: string;
  onServiceExit: 'keep-running' | 'stop-all';
  /** A failing service does not stop the others; it restarts on `r` or when its files change. */
  keepGoing: boolean;
  /** 'auto': other checkouts of the project get ports and names of their own (src/checkouts); 'fixed': never. */
  ports: 'auto' | 'fixed';
  /** Set once the checkout is resolved: whether this checkout moved off the configured ports. */
  checkout?: CheckoutPlacement;
  /** `devup dev` applies migrations saved while it runs. */
  watch: boolean;
  /** The dashboard (`ui` in the config, or --ui): off unless asked. */
  ui: UiSettings;
  /** The values of the project's `.env`, as loaded before the config was evaluated. */
  dotenv: Record<string, string>;
  database: DatabaseSettings;
  schema: SchemaDocsSettings;
  /** `database.extensions` and `database.init`: done once per database before any migration. */
  databaseSetup: DatabaseSetup;
  migrations: MigrationPolicy;
  /** `infra`, in config order. */
  infra: InfraSettings[];
  services: ServiceSettings[];
  check: CheckSettings;
}

/** How every migration runs: `migrations` in the config, overridden by flags. */
export interface MigrationPolicy {
  lockTimeoutMs: number | undefined;
  statementTimeoutMs: number | undefined;
  /** Retries of a migration that hit lock_timeout, with backoff. */
  lockRetries: number;
  /** The contexts a run runs (`migrations.context`, `--context`): default `dev`. */
  contexts: string[];
}

/** Where this checkout of the project runs, beside the others on this machine. */
export interface CheckoutPlacement {
  /** The real path of the config's directory: what identifies the checkout. */
  root: string;
  /** Whether it keeps the configured ports and names (the first checkout, or `ports: 'fixed'`). */
  moved: boolean;
  /** The checkout holding the configured ports, when this one moved. */
  firstRoot?: string;
  /** This run chose the ports (the first run here, or the config's ports changed). */
  placedNow?: boolean;
}

// The settings each layer below cli/ takes: a function's parameter names the parts of the config
// it reads, so its signature says what it depends on (cli/ holds the whole config and picks).

/** What finds, starts and creates this project's Postgres (and the paths its data directory must not hold). */
export type DatabaseBootSettings = Pick<
  ResolvedConfig,
  'project' | 'root' | 'configPath' | 'stateDir' | 'services' | 'database'
>;

/** What collects the migration targets: the services, the contexts, the checksum cache, the bootstrap snapshots. */
export type TargetSettings = Pick<ResolvedConfig, 'stateDir' | 'services' | 'migrations' | 'schema'>;

/** What runs a service's external migration tool: the target settings and the project root. */
export type ToolRunSettings = TargetSettings & Pick<ResolvedConfig, 'root'>;

/** What the migration step reads: targets, tools, and `database.extensions`/`init` done before them. */
export type MigrationStepSettings = ToolRunSettings & Pick<ResolvedConfig, 'databaseSetup'>;
