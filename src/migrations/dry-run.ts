import type { ResolvedConfig } from '../config/types.js';
import type { ConnectionInfo } from '../database/connection.js';
import type { Output } from '../ui/output.js';
import { quoteIdent } from './history.js';
import { inspectTargets } from './inspect.js';
import { substitutePlaceholders } from './placeholders.js';
import { searchPathSql } from './schema-transaction.js';
import { lacksFinalSemicolon } from './sql-scan.js';

/**
 * `devup migrate --dry-run`: the SQL each target would run, as a script psql runs as is
 * (`psql -f`), and no change to anything. Each transactional migration is wrapped as devup runs
 * it; a no-transaction one is marked and runs statement by statement, as psql does anyway.
 */
export async function dryRunMigrations(
  config: ResolvedConfig,
  admin: ConnectionInfo,
  options: { services?: string[] | undefined; tenant?: string | undefined; output: Output },
): Promise<void> {
  const { output } = options;
  output.line('-- devup migrate --dry-run: a psql script (psql -f FILE); it does not record devup history.');
  output.line('\\set ON_ERROR_STOP on');
  let database = admin.database;
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
    const wanted = target.database ?? admin.database;
    if (wanted !== database) {
      output.line(`\\connect ${quoteIdent(wanted)}`);
      database = wanted;
    }
    output.line(`create schema if not exists ${quoteIdent(target.schema)};`);
    for (const migration of plan.pending) {
      const text = substitutePlaceholders(migration.up.sql, target).text.trimEnd();
      // On its own line: a file ending in a comment would swallow a `;` put after it.
      const terminator = lacksFinalSemicolon(text) ? [';'] : [];
      if (migration.up.noTransaction) {
        output.line(`-- ${target.schema}: ${migration.id} (no transaction: runs statement by statement)`);
        output.line(`${searchPathSql(target.schema, false)};`);
        for (const line of [text, ...terminator]) output.line(line);
        output.line('reset search_path;');
      } else {
        output.line(`-- ${target.schema}: ${migration.id}`);
        output.line('begin;');
        output.line(`${searchPathSql(target.schema, true)};`);
        for (const line of [text, ...terminator]) output.line(line);
        output.line('commit;');
      }
      output.line();
    }
  }
}
