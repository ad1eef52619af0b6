import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { Output } from '../ui/output.js';
import { type InitPlan, planInit } from './init-plan.js';

export interface InitOptions {
  /** Write without asking. */
  yes: boolean;
  /** Asks the user; undefined when there is nobody to ask (no terminal). */
  ask: ((question: string) => Promise<boolean>) | undefined;
}

function showPlan(output: Output, plan: InitPlan): void {
  output.line(`devup init in ${plan.root}`);
  output.line('Found:');
  for (const line of plan.found) output.line(`  ${line}`);
  output.line('Would write:');
  for (const file of plan.files)
    output.line(`  ${file.action === 'create' ? 'create' : 'update'} ${file.file}: ${file.summary}`);
  const config = plan.files.find((file) => file.file === 'devup.config.mjs');
  if (config) {
    output.line('');
    output.line(`--- devup.config.mjs`);
    output.write(config.content);
    output.line('---');
  }
  for (const note of plan.notes) output.line(`${output.style('yellow', '!')} ${note}`);
}

/**
 * `devup init`: shows what it found and the files it would write, then writes them with --yes
 * or once confirmed. Without a terminal and without --yes it writes nothing (exit 1). It never
 * overwrites a config; other files only gain lines or keys.
 */
export async function runInit(output: Output, root: string, options: InitOptions): Promise<number> {
  const plan = planInit(root);
  showPlan(output, plan);
  if (!options.yes) {
    if (!options.ask) {
      output.line('Nothing written: there is no terminal to ask on. Pass --yes to write these files.');
      return 1;
    }
    if (!(await options.ask('Write these files?'))) {
      output.line('Nothing written.');
      return 1;
    }
  }
  const written: string[] = [];
  for (const file of plan.files) {
    try {
      // 'wx' for a new file: one that appeared since the plan is not overwritten.
      writeFileSync(path.join(root, file.file), file.content, { flag: file.action === 'create' ? 'wx' : 'w' });
    } catch (error) {
      throw writeError(file.file, error, written);
    }
    written.push(file.file);
  }
  output.line(`${output.style('green', '✔')} Wrote ${plan.files.map((file) => file.file).join(', ')}. Next: devup dev`);
  output.event({ event: 'init', files: plan.files.map((file) => file.file) });
  return 0;
}

function writeError(file: string, error: unknown, written: readonly string[]): UserError {
  const why =
    (error as NodeJS.ErrnoException).code === 'EEXIST'
      ? 'it appeared meanwhile (devup init never overwrites it)'
      : (error as Error).message;
  return new UserError(`devup init could not write ${file}: ${why}`, {
    hint:
      written.length > 0
        ? `Already written: ${written.join(', ')}. Fix the cause; devup init then refuses (the config exists): finish by hand.`
        : 'Nothing was written. Fix the cause, then run devup init again.',
    cause: error,
  });
}
