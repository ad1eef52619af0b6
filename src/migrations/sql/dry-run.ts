import type { TargetSettings } from '../../config/types.js';
import { type ConnectionInfo, withClient } from '../../database/connection/connection.js';
import { UserError } from '../../errors.js';
import { quoteIdent } from '../../lib/sql-quote.js';
import { type InspectedTarget, inspectTargets } from '../inspect.js';
import type { TargetBase } from '../targets.js';
import type { ToolInvocationSettings } from '../tools/tool-invocation.js';
import { substitutePlaceholders } from './placeholders.js';
import { searchPathSql } from './sql-executor.js';
import { lacksFinalSemicolon } from './sql-scan.js';

/** Where the SQL goes: ui/Output fits; declared here so migrations/ does not import ui/. */
export interface DryRunOutput {
  line(text?: string): void;
  debug(text: string): void;
  event(payload: Record<string, unknown>): void;
}

/** Which database the script is connected to: a service's own database needs a `\connect`. */
interface ScriptState {
  database: string;
}

/** Before a target's SQL: psql on the target's database, and its schema there. */
function enterTarget(output: DryRunOutput, target: TargetBase, main: string, script: ScriptState): void {
  const wanted = target.database ?? main;
  if (wanted !== script.database) {
    output.line(`\\connect ${quoteIdent(wanted)}`);
    script.database = wanted;
  }
  output.line(`create schema if not exists ${quoteIdent(target.schema)};`);
}

/**
 * One SQL target's pending migrations as psql runs them: each transactional file wrapped as devup
 * runs it, a no-transaction file marked and left statement by statement (as psql sends them).
 */
function printSqlTarget(
  output: DryRunOutput,
  { target, plan }: InspectedTarget,
  main: string,
  script: ScriptState,
): void {
  if (!plan) return;
  output.event({ event: 'dry-run', schema: target.schema, pending: plan.pending.map((m) => m.id) });
  if (plan.pending.length === 0) {
    output.line(`-- ${target.schema}: nothing pending`);
    return;
  }
  enterTarget(output, target, main, script);
  for (const migration of plan.pending) {
    const text = substitutePlaceholders(migration.up.sql, target).text.trimEnd();
    // On its own line: a file ending in a comment would swallow a `;` put after it.
    const body = lacksFinalSemicolon(text) ? [text, ';'] : [text];
    if (migration.up.noTransaction) {
      output.line(`-- ${target.schema}: ${migration.id} (no transaction: runs statement by statement)`);
      output.line(`${searchPathSql(target.schema, false)};`);
      for (const line of body) output.line(line);
      output.line('reset search_path;');
    } else {
      output.line(`-- ${target.schema}: ${migration.id}`);
      output.line('begin;');
      output.line(`${searchPathSql(target.schema, true)};`);
      for (const line of body) output.line(line);
      output.line('commit;');
    }
    output.line();
  }
}

/**
 * `devup migrate --dry-run`: the SQL each target would run, as a script `psql -f` runs as is, and
 * no change to anything. A tool target that cannot show its SQL is reported, the others still
 * shown, and the run fails.
 */
export async function dryRunMigrations(
  config: TargetSettings & ToolInvocationSettings,
  admin: ConnectionInfo,
  options: { services?: string[] | undefined; tenant?: string | undefined; output: DryRunOutput },
): Promise<void> {
  const { output } = options;
  const inspected = await inspectTargets(config, admin, options);
  output.line('-- devup migrate --dry-run: a psql script (psql -f FILE); it does not record devup history.');
  output.line('\\set ON_ERROR_STOP on');
  const script: ScriptState = { database: admin.database };
  const failures: UserError[] = [];
  if (!inspected.some((t) => !t.sql)) {
    for (const t of inspected) printSqlTarget(output, t, admin.database, script);
    return;
  }
  // External tools' adapters load only for projects that use one.
  const tools = await import('../tools/tool-dry-run.js');
  await withClient(admin, async (client) => {
    for (const inspectedTarget of inspected) {
      const { target, service } = inspectedTarget;
      if (inspectedTarget.sql) {
        printSqlTarget(output, inspectedTarget, admin.database, script);
        continue;
      }
      try {
        await tools.dryRunToolTarget(config, service.service, target, admin, client, {
          line: (text) => output.line(text),
          debug: (text) => output.debug(text),
          pending: (ids) => output.event({ event: 'dry-run', schema: target.schema, pending: ids }),
          // A tool's SQL names no schema (its env.py may set none offline) and no database.
          enter: () => {
            enterTarget(output, target, admin.database, script);
            output.line(`${searchPathSql(target.schema, false)};`);
          },
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
