import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ResolvedConfig } from '../config/types.js';
import { tidyProjectCopies } from '../copies/reset-template.js';
import { chooseEngine, expectedConnection } from '../database/boot.js';
import type { ConnectionInfo } from '../database/connection/connection.js';
import type { CommandContext } from './context.js';

/**
 * Starts `devup tidy-copies` detached, as `git gc --auto` does: dropping the replaced databases
 * (a checkpoint each) and cloning the next spare cost more than the restore itself, and nobody
 * needs to wait for them. A later copy command waits for it on the copy lock.
 * DEVUP_NO_BACKGROUND_TIDY=1 does the same work in this process instead (tests, or a system where
 * a process must not outlive its command).
 */
export async function scheduleTidy(
  ctx: CommandContext,
  config: Pick<ResolvedConfig, 'project' | 'services' | 'configPath'>,
  admin: ConnectionInfo,
): Promise<void> {
  if (process.env.DEVUP_NO_BACKGROUND_TIDY === '1') {
    await tidyProjectCopies(config, admin).catch(() => {});
    return;
  }
  // devup's own entry point, wherever this module was loaded from (dist, or src in tests).
  const cli = fileURLToPath(new URL('../../bin/devup.js', import.meta.url));
  try {
    const child = spawn(
      process.execPath,
      [cli, 'tidy-copies', '--config', config.configPath, ...(ctx.engine ? ['--engine', ctx.engine] : [])],
      { cwd: ctx.cwd, detached: true, stdio: 'ignore' },
    );
    child.on('error', () => {});
    child.unref();
  } catch {
    // Left for the next run: trash and missing spares are found again by their labels.
  }
}

/** `devup tidy-copies` (hidden): the background half of a reset or restore. Quiet whatever happens. */
export default async function tidyCopies(ctx: CommandContext): Promise<number> {
  try {
    const config = await ctx.loadConfig();
    const { name } = await chooseEngine(config, ctx.engine, { notice: () => {} });
    await tidyProjectCopies(config, await expectedConnection(config, name));
  } catch {
    // Nothing is lost: the next reset clones the template itself, and the next tidy drops the trash.
  }
  return 0;
}
