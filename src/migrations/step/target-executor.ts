import type { ToolRunSettings } from '../../config/types.js';
import { type ConnectionInfo, connect, connectionError, isPgError } from '../../database/connection/connection.js';
import { serverErrorHint } from '../../database/connection/server-errors.js';
import { UserError } from '../../errors.js';
import { applyTarget, type SqlTarget } from '../sql/apply.js';
import { privilegeError } from '../sql/privilege-error.js';
import type { TargetBase } from '../targets.js';
import type { StepEvent } from './step-outcomes.js';
import { type TargetWork, toolRunner } from './target-check.js';

export interface TargetExecutionOptions {
  strict?: boolean | undefined;
  signal?: AbortSignal | undefined;
  /** Applies one SQL target (default: applyTarget); `devup check` wraps it to walk up → down → up. */
  applySql?: typeof applyTarget | undefined;
  /** What a failed tool run's hint tells to run again (default: `devup migrate` for that target). */
  retry?: string | undefined;
}

/**
 * Migrates one target: its SQL on a connection of its own (in the service's database, if it has
 * one), or through its external tool. Returns the ids applied.
 */
export async function migrateTarget(
  config: ToolRunSettings,
  admin: ConnectionInfo,
  work: TargetWork,
  options: TargetExecutionOptions,
  emit: (event: StepEvent) => void,
): Promise<string[]> {
  if (!work.sqlPlan || !work.service.migrations) {
    return (await toolRunner()).runToolTarget(config, work.service.service, work.target, admin, {
      onOutput: (line) => emit({ type: 'output', target: work.target, line }),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
    });
  }
  const sqlTarget: SqlTarget = {
    ...work.target,
    migrations: work.service.migrations,
    contexts: work.service.contexts,
    bootstrap: work.service.bootstrap,
  };
  const database = work.target.database ? { database: work.target.database } : {};
  const client = await connect(admin, database).catch((error) => {
    throw connectionError(admin, error, work.target.database);
  });
  try {
    const result = await (options.applySql ?? applyTarget)(client, sqlTarget, {
      strict: options.strict ?? false,
      timeouts: { ...config.migrations, observe: () => connect(admin, database) },
      onEvent: emit,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return result.applied.map((a) => a.migration.id);
  } finally {
    await client.end().catch(() => {});
  }
}

/** A server error that nothing above explained still gets a sentence, not a stack. */
export function explainTargetFailure(caught: unknown, target: TargetBase, admin: ConnectionInfo): unknown {
  if (!isPgError(caught) || caught instanceof UserError) return caught;
  return (
    privilegeError(caught, target, admin) ??
    new UserError(`${target.schema}: ${caught.code}: ${caught.message}`, {
      hint:
        serverErrorHint(caught) ??
        "Postgres refused one of devup's own queries for this schema (its history table, lock or search_path); the error above says why.",
      cause: caught,
    })
  );
}
