import path from 'node:path';
import type { CommandContext } from '../app/context.js';
import { planComposeImport, showComposeImport, writeComposeImport } from '../app/import-compose.js';
import { findConfigFile } from '../config/load.js';
import { UserError } from '../errors.js';
import type { ImportComposeArgs, ImportComposeOptions } from './commands.js';

/** `devup import compose [FILES...] [--yes]`: shows what it would write, writes it once confirmed. */
export default async function importCompose(
  ctx: CommandContext,
  options: ImportComposeOptions,
  [files]: ImportComposeArgs,
): Promise<number> {
  const { output } = ctx;
  const plan = await planComposeImport(ctx.cwd, files, process.env);
  showComposeImport(output, plan, ctx.cwd);
  if (!plan.target) writeComposeImport(plan, findConfigFile(ctx.cwd));
  if (options.yes !== true) {
    if (!process.stdin.isTTY || !process.stderr.isTTY) {
      throw new UserError('nothing written: no terminal to confirm on', { hint: 'Pass --yes to write it.' });
    }
    const { confirm } = await import('../ui/confirm.js');
    if (!(await confirm(`Write ${path.basename(plan.target?.file ?? '')}?`, { yes: false }))) {
      output.line('Nothing written.');
      return 1;
    }
  }
  const written = writeComposeImport(plan, undefined);
  output.line(
    `${output.style('green', '✔')} Wrote ${path.relative(ctx.cwd, written)}; give each service its command, then run \`devup dev\`.`,
  );
  output.event({ event: 'compose-imported', file: written, notCarried: plan.imported.notCarried });
  return 0;
}
