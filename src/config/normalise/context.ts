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

/** A path as the user would write it: relative inside the config's directory, absolute outside it ("/" is not "../.."). */
export function relative(ctx: NormaliseContext, file: string): string {
  const inside = path.relative(ctx.root, file);
  if (inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) return file;
  return inside || '.';
}

/** A name a process environment can carry, and a shell or a tool's config can refer to. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

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
 * Env values as strings; a key that is no variable name, or `{placeholders}` devup does not know are problems at `at.KEY`. References
 * to other services (`{service.NAME.url}`) are checked once every service is read (normalise.ts).
 */
export function normaliseEnv(ctx: NormaliseContext, at: string, env: ServiceInput['env']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(env ?? {})) {
    if (!ENV_NAME.test(key)) {
      ctx.problems.push({
        path: at,
        message: `${JSON.stringify(key)} is not a variable name: use letters, digits and _, not starting with a digit (e.g. DATABASE_URL)`,
      });
      continue;
    }
    const value = String(raw);
    for (const name of new Set(placeholderNames(value))) {
      const { problem } = parsePlaceholder(name);
      if (problem) ctx.problems.push({ path: `${at}.${key}`, message: problem });
    }
    out[key] = value;
  }
  return out;
}
