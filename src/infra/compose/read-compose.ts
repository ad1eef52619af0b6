import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { parse as parseYaml } from 'yaml';
import { UserError } from '../../errors.js';
import { interpolateAll } from './interpolate.js';

/** The files `docker compose` reads when given none, in its order of preference. */
export const COMPOSE_FILE_NAMES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

/** A compose project as read: every file merged and interpolated. */
export interface ComposeModel {
  files: string[];
  services: Record<string, Record<string, unknown>>;
  volumes: Record<string, unknown>;
  /** How it was read: `docker compose config` (its own merge rules) or devup's YAML reading. */
  via: 'docker compose config' | 'yaml';
}

/** The given files, or the first default one in `cwd`, plus its `compose.override.yaml` as compose does. */
export function composeFiles(cwd: string, given: readonly string[]): string[] {
  if (given.length > 0) {
    return given.map((file) => {
      const full = path.resolve(cwd, file);
      if (!existsSync(full))
        throw new UserError(`no such compose file: ${file}`, { hint: 'Pass the path of a compose file.' });
      return full;
    });
  }
  const found = COMPOSE_FILE_NAMES.map((name) => path.join(cwd, name)).find((file) => existsSync(file));
  if (!found) {
    throw new UserError(`no compose file in ${cwd} (looked for ${COMPOSE_FILE_NAMES.join(', ')})`, {
      hint: 'Run it where the compose file is, or pass its path: `devup import compose path/to/compose.yaml`.',
    });
  }
  const override = found.replace(/\.(ya?ml)$/, '.override.$1');
  return existsSync(override) ? [found, override] : [found];
}

/**
 * Reads the compose project. `docker compose config --format json` when the v2 plugin answers (it
 * knows every merge rule and extension); otherwise the files are parsed with `yaml`, merged in
 * order and interpolated with the environment and the `.env` beside the first file.
 */
export async function readCompose(files: string[], env: NodeJS.ProcessEnv = process.env): Promise<ComposeModel> {
  const viaDocker = await dockerComposeConfig(files);
  if (viaDocker) return { ...viaDocker, files, via: 'docker compose config' };
  const dotenvFile = path.join(path.dirname(files[0] as string), '.env');
  const vars = { ...(existsSync(dotenvFile) ? parseDotenv(readFileSync(dotenvFile)) : {}), ...env };
  let merged: Record<string, unknown> = {};
  for (const file of files) {
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new UserError(`${path.basename(file)} is not valid YAML: ${(error as Error).message}`, { cause: error });
    }
    merged = mergeCompose(merged, (interpolateAll(parsed ?? {}, vars) ?? {}) as Record<string, unknown>);
  }
  return {
    files,
    services: (merged.services ?? {}) as ComposeModel['services'],
    volumes: (merged.volumes ?? {}) as Record<string, unknown>,
    via: 'yaml',
  };
}

/**
 * Compose's merge, as far as a dev config needs it: maps merge key by key (environment, labels,
 * services), `ports` and `volumes` entries add up, any other value of a later file replaces.
 */
export function mergeCompose(
  base: Record<string, unknown>,
  over: Record<string, unknown>,
  key = '',
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [name, value] of Object.entries(over)) {
    const current = out[name];
    if (Array.isArray(current) && Array.isArray(value) && (name === 'ports' || name === 'volumes') && key !== '') {
      out[name] = [...current, ...value.filter((v) => !current.includes(v))];
    } else if (isMap(current) && isMap(value)) {
      out[name] = mergeCompose(current, value, name);
    } else {
      out[name] = value;
    }
  }
  return out;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `docker compose config --format json`, or undefined when that command is not there (Debian's docker.io). */
function dockerComposeConfig(files: string[]): Promise<Pick<ComposeModel, 'services' | 'volumes'> | undefined> {
  const args = ['compose', ...files.flatMap((f) => ['-f', f]), 'config', '--format', 'json'];
  return new Promise((resolve) => {
    execFile('docker', args, { cwd: path.dirname(files[0] as string), timeout: 20_000 }, (error, stdout) => {
      if (error) return resolve(undefined);
      try {
        const parsed = JSON.parse(stdout) as Record<string, unknown>;
        resolve({
          services: (parsed.services ?? {}) as ComposeModel['services'],
          volumes: (parsed.volumes ?? {}) as Record<string, unknown>,
        });
      } catch {
        resolve(undefined);
      }
    });
  });
}
