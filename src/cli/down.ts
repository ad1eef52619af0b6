import type { CommandContext } from '../app/context.js';
import { describeDestroyable } from '../app/reset/reset-items.js';
import { snapshotLines } from '../app/snapshot-lines.js';
import type { ResolvedConfig } from '../config/types.js';
import { chooseEngine, createEngine } from '../database/boot.js';
import type { DatabaseEngine, Destroyable } from '../database/engine.js';
import { stopDevSession } from '../services/dev-session.js';
import { confirm } from '../ui/confirm.js';
import type { DownOptions } from './commands.js';

/** `devup down [--volumes]`: stop Postgres and infra and keep the data, or destroy it too. */
export default async function down(ctx: CommandContext, options: DownOptions): Promise<number> {
  const config = await ctx.loadConfig();
  const { output } = ctx;
  const { name } = await chooseEngine(config, ctx.engine, { notice: () => {} });
  const engine = name === 'external' ? undefined : await createEngine(config, name);
  // --volumes looks even when the config has no infra now: an entry taken out of it leaves its
  // labelled container and volumes behind, which only this command would ever remove.
  const infra = config.infra.length > 0 || options.volumes ? await import('../app/infra-commands.js') : undefined;
  if (options.volumes) return destroyAll(ctx, config, engine, infra, options.yes === true);
  await stopRunningDev(ctx, config);
  if (infra) {
    const stopped = await infra.stopProjectInfra(config);
    output.line(
      stopped.length > 0
        ? `${output.style('green', '✔')} Stopped infra: ${stopped.join(', ')}; the data is kept.`
        : 'Infra was not running.',
    );
    output.event({ event: 'infra-down', stopped });
  }
  if (!engine) {
    output.line('The database is external (DATABASE_URL): devup does not run it, so there is nothing to stop.');
    return 0;
  }
  const result = await engine.stop();
  output.line(
    result === 'stopped'
      ? `${output.style('green', '✔')} Stopped Postgres (${name}); the data is kept.`
      : `Postgres (${name}) was not running.`,
  );
  output.event({ event: 'down', engine: name, result });
  return 0;
}

/** `--volumes`: everything of this project and checkout, listed first, removed after one confirmation. */
async function destroyAll(
  ctx: CommandContext,
  config: ResolvedConfig,
  engine: DatabaseEngine | undefined,
  infra: typeof import('../app/infra-commands.js') | undefined,
  yes: boolean,
): Promise<number> {
  const { output } = ctx;
  const items: Destroyable[] = engine ? await engine.listDestroyable() : [];
  const infraPart = infra ? await infra.infraDestroyables(config) : undefined;
  const all = [...items, ...(infraPart?.items ?? [])];
  if (all.length === 0) {
    output.line(
      engine
        ? 'Nothing to destroy: no container, volume or data directory of this project exists.'
        : 'The database is external (DATABASE_URL): devup does not run it, and no infra of this project exists.',
    );
    return 0;
  }
  output.line('This destroys:');
  for (const item of all) output.line(`  ${describeDestroyable(item)}`);
  // Snapshots live inside the cluster: name them while it still answers.
  if (engine && items.length > 0) {
    const status = await engine.status();
    const snapshots = status.state === 'running' ? await snapshotLines(config, engine.connection) : [];
    for (const line of snapshots) output.line(`  ${line}`);
  }
  if (!(await confirm('Destroy them?', { yes }))) {
    output.line('Nothing changed.');
    return 1;
  }
  await stopRunningDev(ctx, config);
  await infraPart?.remove();
  if (engine && items.length > 0) await engine.destroy();
  output.line(`${output.style('green', '✔')} Destroyed ${all.map((i) => i.name).join(', ')}`);
  output.event({ event: 'destroyed', items: all });
  return 0;
}

/** A running `devup dev` would lose its database under its services: it is stopped first, as by Ctrl-C. */
async function stopRunningDev(ctx: CommandContext, config: ResolvedConfig): Promise<void> {
  const stopped = await stopDevSession(config.stateDir);
  if (stopped) ctx.output.notice(`Stopped the running devup dev (pid ${stopped}) first, with its services.`);
}
