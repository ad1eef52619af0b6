import type { ResolvedConfig, ServiceSettings } from '../config/types.js';
import type { CommandContext } from './context.js';
import type { Interrupts } from './interrupts.js';
import type { PreparedDatabase } from './prepare-database.js';

/** Step 3 of `devup dev`: start the services and supervise them until Ctrl-C. */
export async function startServices(
  ctx: CommandContext,
  _config: ResolvedConfig,
  services: ServiceSettings[],
  _prepared: PreparedDatabase,
  _interrupts: Interrupts,
): Promise<number> {
  ctx.output.line(`(services not wired yet: ${services.map((s) => s.name).join(', ')})`);
  return 0;
}
