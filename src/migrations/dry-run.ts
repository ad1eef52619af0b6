import type { ResolvedConfig } from '../config/types.js';
import { type ConnectionInfo, withClient } from '../database/connection.js';
import { UserError } from '../errors.js';
import type { Output } from '../ui/output.js';
import { type InspectedTarget, inspectTargets } from './inspect.js';
import { substitutePlaceholders } from './placeholders.js';

function printSqlTarget(output: Output, { target, plan }: InspectedTarget): void {
  if (!plan) return;
  output.event({ event: 'dry-run', schema: target.schema, pending: plan.pending.map((m) => m.id) });
  if (plan.pending.length === 0) {
    output.line(`-- ${target.schema}: nothing pending`);
    return;
  }
  for (const migration of plan.pending) {
    output.line(`-- ${target.schema}: ${migration.id}${migration.up.noTransaction ? ' (no transaction)' : ''}`);
    output.line(`set search_path to "${target.schema}", public;`);
    output.line(substitutePlaceholders(migration.up.sql, target).text.trimEnd());
    output.line();
  }
}

/**
 * `devup migrate --dry-run`: the SQL each target would run, and no change to anything. A tool
 * target that cannot show its SQL is reported, the others still shown, and the run fails.
 */
export async function dryRunMigrations(
  config: ResolvedConfig,
  admin: ConnectionInfo,
  options: { services?: string[] | undefined; tenant?: string | undefined; output: Output },
): Promise<void> {
  const { output } = options;
  const inspected = await inspectTargets(config, admin, options);
  const failures: UserError[] = [];
  if (!inspected.some((t) => !t.sql)) {
    for (const t of inspected) printSqlTarget(output, t);
    return;
  }
  // External tools' adapters load only for projects that use one.
  const tools = await import('./tools/tool-dry-run.js');
  await withClient(admin, async (client) => {
    for (const inspectedTarget of inspected) {
      const { target, service } = inspectedTarget;
      if (inspectedTarget.sql) {
        printSqlTarget(output, inspectedTarget);
        continue;
      }
      try {
        await tools.dryRunToolTarget(config, service.service, target, admin, client, {
          line: (text) => output.line(text),
          debug: (text) => output.debug(text),
          pending: (ids) => output.event({ event: 'dry-run', schema: target.schema, pending: ids }),
        });
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        output.line(`-- ${target.schema}: ${error.message}`);
        failures.push(error);
      }
    }
  });
  const [first, ...rest] = failures;
  if (first) {
    throw new UserError(
      rest.length === 0
        ? first.message
        : `${failures.length} targets cannot show their SQL; the first: ${first.message}`,
      { hint: first.hint, details: first.details },
    );
  }
}
