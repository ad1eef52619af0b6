import { spawn } from 'node:child_process';
import type { CommandContext } from '../app/context.js';
import { liveDashboard } from '../dashboard/dashboard-file.js';
import { UserError } from '../errors.js';
import type { UiOptions } from './commands.js';

/** `devup ui [--open]`: the URL of the running session's dashboard, from another terminal. */
export default async function ui(ctx: CommandContext, options: UiOptions): Promise<number> {
  const config = await ctx.loadConfig();
  const dashboard = liveDashboard(config.stateDir);
  if (!dashboard) {
    throw new UserError('no dashboard is running for this project', {
      hint: 'Start one with `devup dev --ui` (or `ui: true` in the config).',
    });
  }
  if (ctx.output.mode === 'json')
    ctx.output.event({ event: 'dashboard', url: dashboard.url, readOnly: !!dashboard.readOnly });
  else ctx.output.line(dashboard.url);
  if (options.open === true) await openInBrowser(ctx, dashboard.url);
  return 0;
}

/** Waits for the spawn to succeed or fail (the process exits right after this command). */
function openInBrowser(ctx: CommandContext, url: string): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn('xdg-open', [url], { stdio: 'ignore', detached: true });
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
    child.once('error', () => {
      ctx.output.warn('xdg-open is not installed: open the URL above yourself.');
      resolve();
    });
  });
}
