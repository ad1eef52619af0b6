import type { CommandContext } from '../app/context.js';
import { runInit } from '../init/run-init.js';
import type { InitOptions } from './commands.js';

/** `devup init [--yes]`: a first devup.config.mjs from what the repo has. */
export default async function init(ctx: CommandContext, options: InitOptions): Promise<number> {
  const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;
  return runInit(ctx.output, ctx.cwd, {
    yes: options.yes === true,
    ask: interactive ? ask : undefined,
  });
}

async function ask(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
