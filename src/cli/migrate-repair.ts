import { bootDatabase } from '../database/boot.js';
import { withClient } from '../database/connection.js';
import { inspectTargets } from '../migrations/inspect.js';
import { applyRepair, planRepair } from '../migrations/repair.js';
import { confirm } from '../ui/confirm.js';
import { type CommandContext, parseList } from './context.js';

/** `devup migrate repair`: says what it will change, then accepts the files as they are. */
export default async function migrateRepair(ctx: CommandContext, options: Record<string, unknown>): Promise<number> {
  const config = await ctx.loadConfig();
  const { output } = ctx;
  const db = await bootDatabase(config, { engine: ctx.engine, sink: { notice: (m) => output.notice(m) } });
  const targets = await inspectTargets(config, db.connection, {
    services: parseList(options.service as string | undefined),
    tenant: options.tenant as string | undefined,
  });
  const work = targets
    .filter((t) => t.plan && t.sql)
    .map((t) => ({ ...t, actions: planRepair(t.plan!) }))
    .filter((t) => t.actions.length > 0);
  if (work.length === 0) {
    output.line('Nothing to repair: every applied migration matches its file and none has failed.');
    return 0;
  }
  output.line('devup migrate repair will:');
  for (const t of work) for (const a of t.actions) output.line(`  ${t.target.schema}: ${a.description}`);
  if (!(await confirm('Apply these changes to the history tables?', { yes: options.yes === true }))) {
    output.line('Nothing changed.');
    return 1;
  }
  for (const t of work) {
    const checksums = new Map(t.sql!.migrations.map((m) => [m.version, m.checksum]));
    await withClient(
      db.connection,
      (client) => applyRepair(client, t.target.schema, t.actions, checksums),
      t.target.database ? { database: t.target.database } : {},
    );
    output.event({
      event: 'repaired',
      schema: t.target.schema,
      actions: t.actions.map((a) => ({ kind: a.kind, name: a.name })),
    });
  }
  output.line(
    `${output.style('green', '✔')} Repaired ${work.length} target${work.length === 1 ? '' : 's'}; run \`devup migrate\` next.`,
  );
  return 0;
}
