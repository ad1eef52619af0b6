import type { CommandContext } from '../app/context.js';
import { describeDestroyable } from '../app/reset-items.js';
import { snapshotLines } from '../app/snapshot-lines.js';
import { chooseEngine, createEngine } from '../database/boot.js';
import { confirm } from '../ui/confirm.js';

/** `devup down [--volumes]`: stop Postgres and keep the data, or destroy it too. */
export default async function down(ctx: CommandContext, options: Record<string, unknown>): Promise<number> {
  const config = await ctx.loadConfig();
  const { output } = ctx;
  const { name } = await chooseEngine(config, ctx.engine, { notice: () => {} });
  const engine = await createEngine(config, name);
  if (name === 'external') {
    output.line('The database is external (DATABASE_URL): devup does not run it, so there is nothing to stop.');
    return 0;
  }
  if (options.volumes) {
    const items = await engine.listDestroyable();
    if (items.length === 0) {
      output.line('Nothing to destroy: no container, volume or data directory of this project exists.');
      return 0;
    }
    output.line('This destroys:');
    for (const item of items) output.line(`  ${describeDestroyable(item)}`);
    // Snapshots live inside the cluster: name them while it still answers.
    const status = await engine.status();
    const snapshots = status.state === 'running' ? await snapshotLines(config, engine.connection) : [];
    for (const line of snapshots) output.line(`  ${line}`);
    if (!(await confirm('Destroy them?', { yes: options.yes === true }))) {
      output.line('Nothing changed.');
      return 1;
    }
    await engine.destroy();
    output.line(`${output.style('green', '✔')} Destroyed ${items.map((i) => i.name).join(', ')}`);
    output.event({ event: 'destroyed', items });
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
