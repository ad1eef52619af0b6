import type { ResolvedConfig } from '../config/types.js';
import type { ConnectionInfo } from '../database/connection.js';
import { inspectTargets } from './inspect.js';
import { substitutePlaceholders } from './placeholders.js';

/** Where the SQL goes: ui/Output fits; declared here so migrations/ does not import ui/. */
export interface DryRunOutput {
  line(text?: string): void;
  event(payload: Record<string, unknown>): void;
}

/** `devup migrate --dry-run`: the SQL each target would run, and no change to anything. */
export async function dryRunMigrations(
  config: ResolvedConfig,
  admin: ConnectionInfo,
  options: { services?: string[] | undefined; tenant?: string | undefined; output: DryRunOutput },
): Promise<void> {
  const { output } = options;
  for (const { target, sql, plan } of await inspectTargets(config, admin, options)) {
    if (!sql || !plan) {
      output.line(`-- ${target.schema}: run by an external tool; dry-run cannot show its SQL`);
      continue;
    }
    output.event({ event: 'dry-run', schema: target.schema, pending: plan.pending.map((m) => m.id) });
    if (plan.pending.length === 0) {
      output.line(`-- ${target.schema}: nothing pending`);
      continue;
    }
    for (const migration of plan.pending) {
      output.line(`-- ${target.schema}: ${migration.id}${migration.up.noTransaction ? ' (no transaction)' : ''}`);
      output.line(`set search_path to "${target.schema}", public;`);
      output.line(substitutePlaceholders(migration.up.sql, target).text.trimEnd());
      output.line();
    }
  }
}
