import { statSync } from 'node:fs';
import path from 'node:path';
import { parsePlaceholder, placeholderNames } from '../env-placeholders.js';
import type { ServiceInput } from '../schema.js';
import type { CommandSpec } from '../types.js';

/** One thing wrong with the config, with the key path it concerns. */
export interface ConfigProblem {
  path: string;
  message: string;
}

/** What every normalising step shares: where the config lives, and the problems found so far. */
export interface NormaliseContext {
  root: string;
  env: NodeJS.ProcessEnv;
  problems: ConfigProblem[];
}

/** A path as the user would write it in the config: relative to the config's directory. */
export function relative(ctx: NormaliseContext, file: string): string {
  return path.relative(ctx.root, file) || '.';
}

export function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

export function toCommand(value: string | string[]): CommandSpec {
  return typeof value === 'string' ? { shell: value } : { argv: value };
}

/**
 * Env values as strings; `{placeholders}` devup does not know are problems at `at.KEY`. References
 * to other services (`{service.NAME.url}`) are checked once every service is read (normalise.ts).
 */
export function normaliseEnv(ctx: NormaliseContext, at: string, env: ServiceInput['env']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(env ?? {})) {
    const value = String(raw);
    for (const name of new Set(placeholderNames(value))) {
      const { problem } = parsePlaceholder(name);
      if (problem) ctx.problems.push({ path: `${at}.${key}`, message: problem });
    }
    out[key] = value;
  }
  return out;
}
