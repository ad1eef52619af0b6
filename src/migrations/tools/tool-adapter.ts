import type { MigrationTool } from '../../config/schema.js';
import type { MigrationSettings } from '../../config/types.js';
import type { SslSettings } from '../../database/connection/tls.js';
import type { FileEntry } from './file-listing.js';

export type ToolSettings = Extract<MigrationSettings, { kind: 'tool' }>;

/** One row of a tool's history table, every column as text. */
export type ToolHistoryRow = Record<string, string | null>;

/** Where a tool keeps its history, and the columns devup reads from it. */
export interface HistorySpec {
  table: string;
  /** A select list whose columns are all text; `id` names the migration where there is one. */
  columns: string;
  /** An optional where clause (without `where`). */
  where?: string;
  orderBy?: string;
  /** The rows' content is part of the fingerprint (tools whose files devup can't read). */
  fingerprinted: boolean;
}

/** Migration files that devup understood without running the tool. */
export interface MigrationSet {
  /** Every migration on disk, in the order the tool applies them. */
  ids: string[];
  /** Compares with the history rows: what is pending, and anything that contradicts the files. */
  status(rows: readonly ToolHistoryRow[]): { pending: string[]; problem?: string };
  /** The ids the rows mean as applied, in apply order (Alembic's table holds only its heads). */
  applied(rows: readonly ToolHistoryRow[]): string[];
  /** A readable name for an id (the file it comes from), for status. */
  label(id: string): string;
  /** The file a migration comes from, where devup knows it (to notice an applied one edited). */
  fileOf?(id: string): FileEntry | undefined;
  /** Migrations still as their tool's template wrote them (Alembic: upgrade() is only `pass`). */
  unwritten?: ReadonlySet<string>;
  /** Something in the files themselves that `status` and `migrate --strict` report as an error. */
  problem?: string | undefined;
}

/** Thrown by parsers: the files can't be understood, so the tool must run and judge them itself. */
export class MigrationFilesError extends Error {
  override readonly name = 'MigrationFilesError';
}

export interface ToolCommandContext {
  schema: string;
  migrationsDir: string;
  cwd: string;
  root: string;
  /** The contexts of this run, for tools with contexts of their own (Liquibase `--contexts`). */
  contexts: readonly string[];
}

/** What devup knows about one external migration tool. */
export interface ToolAdapter {
  readonly tool: MigrationTool;
  /** The directory whose files are the migrations (absolute). */
  migrationsDir(settings: ToolSettings): string;
  /** Whether the directory's subdirectories hold migrations too. */
  readonly recursive: boolean;
  /** Which files of that directory count, by relative path. */
  includes(relative: string): boolean;
  /** Parses the files; absent for tools whose files only the tool understands (fingerprint only). */
  parse?(files: readonly FileEntry[]): MigrationSet;
  readonly history: HistorySpec | undefined;
  /** The program as devup starts it when `command` and `program` are not set (no subcommand). */
  program(context: ToolCommandContext): string[];
  /** What follows the program to apply every pending migration (`upgrade head`). */
  upgradeArgs(context: ToolCommandContext): string[];
  /** How a user's `command` may end with the tool's apply step: what precedes it is the program. */
  readonly upgradeSuffixes: readonly (readonly string[])[];
  /** The tool's own environment variables, on top of the common ones. */
  env?(context: ToolEnvContext): Record<string, string>;
  /** How to get the tool when its command is not found. */
  readonly install: string;
}

export interface ToolEnvContext {
  schema: string;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** TLS as DATABASE_URL asked (external engine), for JDBC URLs. */
  ssl?: SslSettings | undefined;
  migrationsDir: string;
  /** The user set `dir`, rather than devup using the tool's default location. */
  dirIsExplicit: boolean;
}

/** Files that sort the way the tools list them: by name, byte-wise. */
export function byRelativePath(a: FileEntry, b: FileEntry): number {
  return a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0;
}

/** The command that applies everything when the user set none: `program` then `upgradeArgs`. */
export function defaultToolCommand(adapter: ToolAdapter, context: ToolCommandContext): string[] {
  const program = adapter.program(context);
  return program.length === 0 ? [] : [...program, ...adapter.upgradeArgs(context)];
}

/**
 * The migrations of a tool whose history records each applied one by the id it has on disk
 * (node-pg-migrate, Prisma): pending is what the rows do not name, applied is the rows' order
 * (the order the tool rolls them back in reverse).
 */
export function migrationSetByIds(ids: string[]): MigrationSet {
  return {
    ids,
    status: (rows) => {
      const applied = new Set(rows.map((r) => r.id ?? ''));
      return { pending: ids.filter((id) => !applied.has(id)) };
    },
    applied: (rows) => rows.map((r) => r.id ?? ''),
    label: (id) => id,
  };
}
