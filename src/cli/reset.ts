import type { ResolvedConfig } from '../config/types.js';
import { bootDatabase, chooseEngine, createEngine, expectedConnection } from '../database/boot.js';
import { resolvesToLoopback } from '../database/connection.js';
import { describeSchemaContents, dropDatabase, dropSchemas } from '../database/drop-schemas.js';
import type { Destroyable } from '../database/engine.js';
import { UserError } from '../errors.js';
import { HISTORY_TABLE } from '../migrations/history.js';
import { inspectTargets } from '../migrations/inspect.js';
import { stopDevSession } from '../services/dev-session.js';
import { confirm } from '../ui/confirm.js';
import { type CommandContext, parseList } from './context.js';
import { runDevEnvironment } from './dev.js';

export function describeDestroyable(item: Destroyable): string {
  return `${item.kind.replace('-', ' ')} ${item.name}${item.detail ? ` (${item.detail})` : ''}`;
}

async function confirmDestruction(ctx: CommandContext, items: Destroyable[], yes: boolean): Promise<boolean> {
  ctx.output.line('devup reset will destroy:');
  for (const item of items) {
    ctx.output.line(`  ${describeDestroyable(item)}`);
    for (const line of item.contents ?? []) ctx.output.line(`    ${line}`);
  }
  return confirm('Destroy these and rebuild?', { yes });
}

/** Schemas (and service databases) of the selected targets: what a partial or external reset drops. */
async function schemaItems(
  ctx: CommandContext,
  config: ResolvedConfig,
  services: string[] | undefined,
  tenant: string | undefined,
) {
  const db = await bootDatabase(config, { engine: ctx.engine, sink: { notice: (m) => ctx.output.notice(m) } });
  const targets = await inspectTargets(config, db.connection, { services, tenant });
  // A service's own database goes whole only when every service using it is being reset.
  const selected = new Set(targets.map((t) => t.target.service));
  const wholeDatabases = tenant
    ? []
    : [...new Set(targets.map((t) => t.target.database).filter((d): d is string => d !== undefined))].filter((d) =>
        config.services.filter((s) => s.database === d).every((s) => selected.has(s.name)),
      );
  const schemas = targets.filter((t) => !wholeDatabases.includes(t.target.database ?? ''));
  const items: Destroyable[] = [
    ...wholeDatabases.map((name) => ({ kind: 'database' as const, name })),
    ...(await Promise.all(
      schemas.map(async (t) => {
        const contents = await describeSchemaContents(db.connection, t.target.database, t.target.schema, [
          HISTORY_TABLE,
          'devup_seeds',
        ]);
        const where = t.target.database ? `in database ${t.target.database}, ` : '';
        return {
          kind: 'schema' as const,
          name: t.target.schema,
          detail: `${where}${contents.count === 0 ? 'empty' : `${contents.count} ${contents.count === 1 ? 'object' : 'objects'}`}`,
          contents: contents.lines,
        };
      }),
    )),
  ];
  return { db, items, wholeDatabases, schemas, targets };
}

/**
 * `devup reset`: names exactly what it destroys, asks (or takes --yes), destroys only what
 * carries this project's labels (or, external, the schemas the config names), then rebuilds.
 */
export default async function reset(ctx: CommandContext, options: Record<string, unknown>): Promise<number> {
  const config = await ctx.loadConfig();
  const { output } = ctx;
  const services = parseList(options.service as string | undefined);
  const tenant = options.tenant as string | undefined;
  const yes = options.yes === true;
  // Only once the user has confirmed: a refused reset must leave a running `devup dev` alone.
  const stopRunningDev = async () => {
    const stopped = await stopDevSession(config.stateDir);
    if (stopped) output.notice(`Stopped the running devup dev (pid ${stopped}).`);
  };
  let reseed: 'all' | string[] = 'all';

  const { name } = await chooseEngine(config, ctx.engine, { notice: (m) => output.notice(m) });
  if (services || tenant || name === 'external') {
    if (name === 'external') {
      const host = expectedConnection(config, 'external').host;
      if (options.force !== true && !(await resolvesToLoopback(host))) {
        throw new UserError(`refusing to reset the external database on ${host}: it is not on this machine`, {
          hint: 'devup only resets remote databases when told so explicitly: pass --force (and --yes) if you are sure.',
        });
      }
    }
    const { db, items, wholeDatabases, schemas, targets } = await schemaItems(ctx, config, services, tenant);
    if (items.length === 0) {
      output.line('Nothing to reset: no migration target matches.');
    } else if (!(await confirmDestruction(ctx, items, yes))) {
      output.line('Nothing changed.');
      return 1;
    } else {
      await stopRunningDev();
      reseed = targets.map((t) => t.target.schema);
      for (const database of wholeDatabases) await dropDatabase(db.connection, database);
      const byDatabase = new Map<string | undefined, string[]>();
      for (const t of schemas)
        byDatabase.set(t.target.database, [...(byDatabase.get(t.target.database) ?? []), t.target.schema]);
      for (const [database, names] of byDatabase) await dropSchemas(db.connection, database, names);
      output.line(`${output.style('green', '✔')} Dropped ${items.map((i) => i.name).join(', ')}`);
      output.event({ event: 'reset', destroyed: items });
    }
  } else {
    const engine = createEngine(config, name);
    const items = await engine.listDestroyable();
    if (items.length > 0) {
      if (!(await confirmDestruction(ctx, items, yes))) {
        output.line('Nothing changed.');
        return 1;
      }
      await stopRunningDev();
      await engine.destroy();
      output.line(`${output.style('green', '✔')} Destroyed ${items.map((i) => i.name).join(', ')}`);
      output.event({ event: 'reset', destroyed: items });
    } else {
      output.line('Nothing to destroy: this project has no database yet.');
    }
  }
  return runDevEnvironment(ctx, config, {
    skipMigrations: false,
    only: undefined,
    seed: options.seed !== false,
    strict: false,
    start: options.start !== false,
    reseed,
  });
}
