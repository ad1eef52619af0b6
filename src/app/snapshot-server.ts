import type { ResolvedConfig } from '../config/types.js';
import { bootDatabase, chooseEngine } from '../database/boot.js';
import type { RunningDatabase } from '../database/engine.js';
import type { CommandContext } from './context.js';
import { requireLocalServer } from './local-server.js';

/** The project's server for the snapshot commands: started if needed; an external one only on this machine (or --force). */
export async function openSnapshotServer(
  ctx: CommandContext,
  options: { force?: true | undefined },
  what: string,
): Promise<{ config: ResolvedConfig; db: RunningDatabase }> {
  const config = await ctx.loadConfig();
  const sink = { notice: (m: string) => ctx.output.notice(m) };
  const { name } = await chooseEngine(config, ctx.engine, sink);
  await requireLocalServer(config, name, options.force === true, what);
  const db = await bootDatabase(config, { engine: ctx.engine, sink });
  return { config, db };
}
