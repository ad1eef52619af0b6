import type { CommandContext } from '../app/context.js';
import { Interrupts } from '../app/interrupts.js';
import { showServiceLogs } from '../app/service-logs.js';
import type { LogsArgs, LogsOptions } from './commands.js';

/** `devup logs [-f] [SERVICE…]`: the running (or last) `devup dev` session's service logs. */
export default async function logs(ctx: CommandContext, options: LogsOptions, [names]: LogsArgs): Promise<number> {
  const config = await ctx.loadConfig();
  const interrupts = new Interrupts();
  return showServiceLogs(ctx.output, {
    stateDir: config.stateDir,
    services: config.services.map((service) => service.name),
    names,
    follow: options.follow === true,
    signal: interrupts.signal,
  });
}
