import { type CommandContext, parseList } from '../app/context.js';
import { runDevEnvironment } from '../app/dev/dev-environment.js';
import type { UiSettings } from '../config/types.js';
import type { DevOptions } from './commands.js';

/** --ui / --ui-read-only over `ui` in the config; --ui-read-only alone turns the dashboard on too. */
function uiOptions(ui: UiSettings, options: DevOptions): { readOnly: boolean } | undefined {
  const readOnly = options.uiReadOnly === true || ui.readOnly;
  if (options.ui === true || options.uiReadOnly === true || ui.enabled) return { readOnly };
  return undefined;
}

/** `devup dev` (the default command). */
export default async function dev(ctx: CommandContext, options: DevOptions): Promise<number> {
  const config = await ctx.loadConfig();
  const skipMigrations =
    options.skipMigrations === true ||
    ['1', 'true', 'yes'].includes(String(process.env.DEVUP_SKIP_MIGRATIONS ?? '').toLowerCase());
  return runDevEnvironment(ctx, config, {
    skipMigrations,
    only: parseList(options.only),
    seed: options.seed,
    strict: options.strict === true,
    keepGoing: options.keepGoing === true ? true : undefined,
    start: true,
    ui: uiOptions(config.ui, options),
  });
}
