import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../errors.js';
import { VERSION } from '../version.js';
import { normaliseConfig } from './normalise/normalise.js';
import type { DevupConfigInput } from './schema.js';
import type { ResolvedConfig } from './types.js';

export const CONFIG_FILE_NAMES = [
  'devup.config.ts',
  'devup.config.mts',
  'devup.config.mjs',
  'devup.config.js',
  'devup.config.json',
] as const;

/** Walks up from `from` to the first directory holding a devup config file. */
export function findConfigFile(from: string): string | undefined {
  let dir = path.resolve(from);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = path.join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export interface LoadOptions {
  cwd: string;
  /** --config: a file, or a directory to look in. */
  configPath?: string | undefined;
  env?: NodeJS.ProcessEnv;
  /** Called with one-line notices (e.g. ".env created from .env.example"). */
  notice?: (message: string) => void;
  /**
   * For commands that change nothing (`status`, `migrate status`): write no file. A missing .env
   * is read from .env.example as the first real run would create it; the validation cache is not
   * updated.
   */
  readOnly?: boolean | undefined;
}

/**
 * Loads `.env` next to the config into the environment (day one: copies `.env.example` when
 * `.env` is missing), so the config can read process.env while it is evaluated.
 */
export async function loadDotenv(
  root: string,
  env: NodeJS.ProcessEnv,
  notice: (message: string) => void,
  readOnly = false,
): Promise<Record<string, string>> {
  const envPath = path.join(root, '.env');
  const examplePath = path.join(root, '.env.example');
  const fromExample = !existsSync(envPath) && existsSync(examplePath);
  if (fromExample && readOnly) return applyDotenv(await readDotenv(root, '.env.example'), env);
  if (fromExample) {
    try {
      // .env holds local secrets: readable by the user only, whatever the example's mode.
      writeFileSync(envPath, readFileSync(examplePath), { mode: 0o600, flag: 'wx' });
      notice(`Created .env from .env.example (edit it to change local settings).`);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // EEXIST: another devup created it first. A read-only checkout (a deploy image) has no .env
      // to make: it runs on its environment alone.
      if (code !== 'EEXIST' && code !== 'EACCES' && code !== 'EROFS' && code !== 'EPERM') throw error;
    }
  }
  return applyDotenv(await readDotenv(root), env);
}

/** Real environment variables win over .env, as with every dotenv-based tool. */
function applyDotenv(values: Record<string, string>, env: NodeJS.ProcessEnv): Record<string, string> {
  for (const [key, value] of Object.entries(values)) if (env[key] === undefined) env[key] = value;
  return values;
}

/** The values of `.env` (or another such file) next to the config ({} when there is none). */
async function readDotenv(root: string, name = '.env'): Promise<Record<string, string>> {
  const envPath = path.join(root, name);
  if (!existsSync(envPath)) return {};
  const { parse } = await import('dotenv');
  return parse(readFileSync(envPath));
}

/** devup's npm package (the command is `devup`; the npm name `devup` belongs to another project). */
export const PACKAGE_NAME = 'devup-env';
const OLD_PACKAGE_IMPORT = /\bfrom\s*['"]devup['"]|\b(?:require|import)\s*\(\s*['"]devup['"]\s*\)/;

/** The value is boxed: a config that is a Proxy must not be probed for `then` when awaited. */
async function evaluateConfigFile(file: string): Promise<{ value: unknown }> {
  const extension = path.extname(file);
  if (extension === '.json') {
    const text = readFileSync(file, 'utf8');
    try {
      return { value: JSON.parse(text) };
    } catch (error) {
      throw new UserError(`${path.basename(file)} is not valid JSON: ${(error as Error).message}`, {
        hint: `Fix the JSON syntax in ${file}.`,
      });
    }
  }
  try {
    if (extension === '.ts' || extension === '.mts') {
      // Node 22.18+/23.6+ strip types natively: no loader at all. Anything stripping cannot do
      // (enums, older Node) goes through jiti, paid for only by projects with a .ts config.
      if ((process.features as { typescript?: unknown }).typescript) {
        try {
          const loaded = (await import(pathToFileURL(file).href)) as { default?: unknown };
          return { value: loaded.default ?? loaded };
        } catch {
          // fall through to jiti
        }
      }
      const { createJiti } = await import('jiti');
      const jiti = createJiti(import.meta.url, { moduleCache: false });
      const loaded = await jiti.import<{ default?: unknown }>(file);
      return { value: loaded.default ?? loaded };
    }
    const loaded = (await import(pathToFileURL(file).href)) as { default?: unknown };
    return { value: loaded.default ?? loaded };
  } catch (error) {
    if (error instanceof UserError) throw error;
    // Whether 'devup' is missing or someone else's package is installed under it, the config fails here.
    if (OLD_PACKAGE_IMPORT.test(readIfExists(file) ?? '')) {
      throw new UserError(
        `${path.basename(file)} imports 'devup': devup's package is ${PACKAGE_NAME} ('devup' on npm is another project)`,
        {
          hint: `Write import { defineConfig } from '${PACKAGE_NAME}' (npm install --save-dev ${PACKAGE_NAME}); the command stays devup.`,
          cause: error,
        },
      );
    }
    // Node refuses to import any file whose URL would hold an encoded backslash, jiti too: the
    // directory's name is the problem, not the file.
    const failure = error as NodeJS.ErrnoException;
    if (
      file.includes('\\') &&
      (failure.code === 'ERR_INVALID_MODULE_SPECIFIER' || String(failure.message).includes('%5C'))
    ) {
      throw new UserError(`cannot load ${path.basename(file)}: Node imports no module from a path with a backslash`, {
        hint: `Rename the directory ${path.dirname(file)} without "\\", or write the config as devup.config.json.`,
        cause: error,
      });
    }
    throw new UserError(`could not evaluate ${path.basename(file)}: ${(error as Error).message}`, {
      hint: `Fix the error in ${file}; run with --verbose for the stack.`,
      cause: error,
    });
  }
}

/** Finds, evaluates and validates the config; every problem is reported at once. */
export async function loadConfigFile(options: LoadOptions): Promise<ResolvedConfig> {
  const env = options.env ?? process.env;
  const notice = options.notice ?? (() => {});
  let file: string | undefined;
  if (options.configPath !== undefined) {
    const given = path.resolve(options.cwd, options.configPath);
    if (!existsSync(given)) {
      throw new UserError(`--config ${options.configPath}: no such file or directory`, {
        hint: `Pass the path of a devup.config.* file.`,
      });
    }
    file = given.match(/devup\.config\.|\.json$|\.[mc]?[jt]s$/) ? given : findConfigFile(given);
  } else {
    file = findConfigFile(options.cwd);
  }
  if (file === undefined) {
    throw new UserError(`no devup config found in ${options.cwd} or any parent directory`, {
      hint: `Create devup.config.mjs (see the README's "Adopt devup" section), or pass --config PATH.`,
    });
  }
  const dotenv = await loadDotenv(path.dirname(file), env, notice, options.readOnly);
  const { value: raw } = await evaluateConfigFile(file);
  const { config, problems } = await validateEvaluated(raw, file, env, options.readOnly === true);
  if (config === undefined) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    throw new UserError(`${path.relative(options.cwd, file) || file} has ${count}:`, {
      details: problems.map((p) => `  ${p.path}: ${p.message}`),
      hint: "Fix these keys; devup's docs/config.md lists every key with its meaning.",
    });
  }
  return { ...config, dotenv };
}

/** A getter or Proxy in the config may throw while it is read: that is the user's code failing. */
async function validateEvaluated(raw: unknown, configPath: string, env: NodeJS.ProcessEnv, readOnly: boolean) {
  try {
    return await validate(raw, configPath, env, readOnly);
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(
      `${path.basename(configPath)} threw while devup read it: ${(error as Error)?.message ?? String(error)}`,
      {
        hint: `A getter or Proxy in ${configPath} fails when its value is read; export plain values (run with --verbose for the stack).`,
        cause: error,
      },
    );
  }
}

/** How many validated configs `.devup/config-ok` remembers (one line each). */
const REMEMBERED_CONFIGS = 8;

/**
 * Schema validation (zod) is the slowest part of start-up. A config object identical to one
 * that passed before (same devup version) skips it; the rules that look at the disk and the
 * environment (directories, required variables) always run. Several are remembered: two configs
 * in one directory, or one config reading an environment variable that changes between runs
 * (CI ports, TLS on and off), would otherwise throw each other out on every run.
 */
async function validate(raw: unknown, configPath: string, env: NodeJS.ProcessEnv, readOnly: boolean) {
  const cacheFile = path.join(path.dirname(configPath), '.devup', 'config-ok');
  let key: string | undefined;
  try {
    key = createHash('sha256')
      .update(`${VERSION}\0${configPath}\0${JSON.stringify(raw)}`)
      .digest('hex');
  } catch {
    key = undefined; // not JSON-serialisable: always validate in full
  }
  const remembered = (readIfExists(cacheFile) ?? '').split('\n').filter(Boolean);
  if (key !== undefined && remembered.includes(key)) {
    return normaliseConfig(raw as DevupConfigInput, { configPath, env });
  }
  const { resolveConfig } = await import('./validate.js');
  const result = resolveConfig(raw, { configPath, env });
  if (result.config && key !== undefined && !readOnly) {
    try {
      mkdirSync(path.dirname(cacheFile), { recursive: true });
      writeFileSync(cacheFile, `${[key, ...remembered].slice(0, REMEMBERED_CONFIGS).join('\n')}\n`);
    } catch {
      // A read-only checkout just validates every time.
    }
  }
  return result;
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
