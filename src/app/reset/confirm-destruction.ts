import type { ResolvedConfig } from '../../config/types.js';
import type { Destroyable } from '../../database/engine.js';
import { UserError } from '../../errors.js';
import { claimDevSession, stopDevSession } from '../../services/dev-session.js';
import { confirm } from '../../ui/confirm.js';
import type { CommandContext } from '../context.js';
import { describeDestroyable } from './reset-items.js';

/** What the confirmation needs of a reset: --yes, whether dev starts again, the session it holds. */
export interface ResetHold {
  yes: boolean;
  start: boolean;
  /** Releases of the session this reset holds from its confirmation on (see stopRunningDev). */
  claims: (() => void)[];
}

/**
 * Names exactly what goes (and what stays), asks or takes --yes, and only then stops a running
 * `devup dev` and holds the session. false: refused, and nothing was touched.
 */
export async function confirmAndHold(
  ctx: CommandContext,
  config: ResolvedConfig,
  hold: ResetHold,
  items: Destroyable[],
  kept: string[] = [],
): Promise<boolean> {
  if (!(await confirmDestruction(ctx, items, hold.yes, kept))) return false;
  await stopRunningDev(ctx, config, hold);
  return true;
}

async function confirmDestruction(
  ctx: CommandContext,
  items: Destroyable[],
  yes: boolean,
  kept: string[] = [],
): Promise<boolean> {
  ctx.output.line('devup reset will destroy:');
  for (const item of items) {
    ctx.output.line(`  ${describeDestroyable(item)}`);
    for (const line of item.contents ?? []) ctx.output.line(`    ${line}`);
  }
  if (kept.length > 0) {
    ctx.output.line('and keeps:');
    for (const line of kept) ctx.output.line(`  ${line}`);
  }
  return confirm('Destroy these and rebuild?', { yes });
}

/**
 * Only once the user has confirmed: a refused reset must leave a running `devup dev` alone. The
 * session is then held by this reset until its rebuild is done, so that a `devup dev` started
 * meanwhile waits instead of booting into databases being dropped (and a second reset waits too).
 */
async function stopRunningDev(ctx: CommandContext, config: ResolvedConfig, hold: ResetHold) {
  for (let attempt = 1; ; attempt++) {
    const stopped = await stopDevSession(config.stateDir);
    if (stopped) {
      ctx.output.notice(
        `Stopped the running devup dev (pid ${stopped})${hold.start ? '' : '; start it again with `devup dev`'}.`,
      );
    }
    try {
      const claim = await claimDevSession(config.stateDir, {
        command: 'reset',
        onWaitForReset: (pid) => ctx.output.notice(`Waiting for the running devup reset (pid ${pid}) to finish…`),
      });
      hold.claims.push(() => claim.release());
      return;
    } catch (error) {
      // A devup dev claimed the session between the stop and the claim: stop that one too.
      if (!(error instanceof UserError) || attempt >= 3) throw error;
    }
  }
}
