import type pg from 'pg';
import type { MigrationTool } from '../../config/schema.js';
import type { ServiceSettings } from '../../config/types.js';
import { type ConnectionInfo, withClient } from '../../database/connection/connection.js';
import type { TargetBase } from '../targets.js';
import { toolAdapter } from './adapters.js';
import { editedSinceApplied } from './applied-files.js';
import { fingerprintKey, readFingerprint, type ToolFingerprint } from './fingerprint-store.js';
import type { MigrationSet, ToolAdapter, ToolHistoryRow } from './tool-adapter.js';
import { readToolTarget, toolSettings } from './tool-invocation.js';

export interface ToolMigrationRef {
  /** The id the tool records and takes on its command line (Alembic's revision). */
  version: string;
  /** The file it comes from, for people. */
  name: string;
}

/** A tool target as its history table and files show it, read without starting the tool. */
export interface ToolTargetStatus {
  tool: MigrationTool;
  /** Alembic: the revisions in alembic_version; other tools: the newest applied migration. */
  current: string[];
  applied: ToolMigrationRef[];
  /** Undefined when devup cannot know (see `unknown`). */
  pending: ToolMigrationRef[] | undefined;
  /** Applied, but the file changed since it was applied (the tool will not run it again). */
  changed: ToolMigrationRef[];
  /** The files or the history contradict themselves (several heads, a revision with no file). */
  problem: string | undefined;
  /** Why `pending` cannot be known without the tool. */
  unknown: string | undefined;
}

function liquibaseRef(row: ToolHistoryRow): ToolMigrationRef {
  return { version: row.id ?? '', name: `${row.filename ?? ''}::${row.id ?? ''}::${row.author ?? ''}` };
}

function fromSet(
  adapter: ToolAdapter,
  set: MigrationSet,
  rows: readonly ToolHistoryRow[],
  recorded: ToolFingerprint | undefined,
): ToolTargetStatus {
  const known = new Set(set.ids);
  const ref = (id: string) => ({ version: id, name: known.has(id) ? set.label(id) : `${id} (no file)` });
  const status = set.status(rows);
  const applied = set.applied(rows);
  // Alembic's table holds only heads: below a revision with no file (another branch's), what is
  // applied, and so what is pending, cannot be known.
  const lost = adapter.tool === 'alembic' && applied.some((id) => !known.has(id));
  return {
    tool: adapter.tool,
    current: adapter.tool === 'alembic' ? rows.map((r) => r.id ?? '') : applied.slice(-1),
    applied: applied.map(ref),
    pending: lost ? undefined : status.pending.map(ref),
    changed: editedSinceApplied(set, rows, recorded).map(ref),
    problem: set.problem ?? status.problem,
    unknown: undefined,
  };
}

/** What `devup migrate status` shows for a target run by an external tool; no process is started. */
export async function toolTargetStatus(
  /** Where the tools' fingerprints are kept (the project's .devup/). */
  stateDir: string,
  service: ServiceSettings,
  target: TargetBase,
  admin: ConnectionInfo,
  client: pg.Client,
): Promise<ToolTargetStatus> {
  const adapter = toolAdapter(toolSettings(service).tool);
  const base = { tool: adapter.tool, current: [], applied: [], changed: [], problem: undefined, unknown: undefined };
  if (!adapter.history) {
    return {
      ...base,
      pending: undefined,
      unknown: 'run by migrations.command, which keeps no history devup can read',
    };
  }
  const { files, state } = await readToolTarget(stateDir, service, target, { admin, client });
  const rows = state.rows ?? [];
  if (files.problem) return { ...base, pending: undefined, problem: files.problem };
  if (!files.set) {
    const applied = rows.map(liquibaseRef);
    return {
      ...base,
      current: applied.slice(-1).map((r) => r.version),
      applied,
      pending: undefined,
      unknown: `only ${adapter.tool} reads its changelogs: run \`${adapter.tool} status\` for what is pending`,
    };
  }
  return fromSet(adapter, files.set, rows, readFingerprint(stateDir, fingerprintKey(target)));
}

/** The status of each tool target, on one connection to the main database. */
export async function toolTargetStatuses(
  stateDir: string,
  admin: ConnectionInfo,
  targets: readonly { service: ServiceSettings; target: TargetBase }[],
  client?: pg.Client,
): Promise<Map<TargetBase, ToolTargetStatus>> {
  const statuses = new Map<TargetBase, ToolTargetStatus>();
  if (targets.length === 0) return statuses;
  const read = async (c: pg.Client) => {
    for (const { service, target } of targets) {
      statuses.set(target, await toolTargetStatus(stateDir, service, target, admin, c));
    }
  };
  await (client ? read(client) : withClient(admin, read));
  return statuses;
}
