import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** The Postgres service of a docker-compose file, as far as devup's config can use it. */
export interface ComposePostgres {
  file: string;
  service: string;
  image: string;
  /** The host port it publishes (`"5433:5432"`), if any. */
  port?: number;
}

const COMPOSE_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];

/** The first Postgres service (by image) of the repo's compose file; a file that does not parse is ignored. */
export function composePostgres(root: string, files: readonly string[]): ComposePostgres | undefined {
  const file = COMPOSE_FILES.find((name) => files.includes(name));
  if (!file) return undefined;
  let doc: unknown;
  try {
    doc = parse(readFileSync(path.join(root, file), 'utf8'));
  } catch {
    return undefined;
  }
  const services = (doc as { services?: Record<string, { image?: unknown; ports?: unknown[] }> } | null)?.services;
  for (const [name, service] of Object.entries(services ?? {})) {
    const image = typeof service?.image === 'string' ? service.image : '';
    if (!/(^|\/)(postgres|postgis\/postgis|pgvector\/pgvector)(:|$)/.test(image)) continue;
    const found: ComposePostgres = { file, service: name, image };
    for (const entry of service.ports ?? []) {
      const match = /^(?:[\d.]+:)?(\d+):5432(?:\/tcp)?$/.exec(String(entry));
      if (match) found.port = Number(match[1]);
    }
    return found;
  }
  return undefined;
}

/** The variable names of a `.env.example` (or `.env.sample`), in order. */
export function exampleEnvKeys(root: string, files: readonly string[]): { file: string; keys: string[] } | undefined {
  const file = ['.env.example', '.env.sample', '.env.template'].find((name) => files.includes(name));
  if (!file) return undefined;
  const keys = readFileSync(path.join(root, file), 'utf8')
    .split('\n')
    .map((line) => /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1])
    .filter((key): key is string => key !== undefined);
  return { file, keys };
}

/** The root package.json's scripts, when there is one. */
export function rootScripts(root: string, files: readonly string[]): Record<string, string> | undefined {
  if (!files.includes('package.json')) return undefined;
  try {
    return (
      (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> })
        .scripts ?? {}
    );
  } catch {
    return undefined;
  }
}

/** Where a repo keeps scripts for the Postgres image's /docker-entrypoint-initdb.d. */
const INIT_DIRS = ['initdb', 'docker-entrypoint-initdb.d', path.join('db', 'init'), path.join('docker', 'initdb')];
/** Single files of that kind, where a repo has one script rather than a directory of them. */
const INIT_FILES = [path.join('db', 'init.sql'), 'init.sql', 'initdb.sql'];

/** The databases and extensions an image-style init script creates. */
export interface InitScripts {
  files: string[];
  databases: string[];
  extensions: string[];
}

export function initScripts(root: string): InitScripts | undefined {
  const found: InitScripts = { files: [], databases: [], extensions: [] };
  const files = INIT_FILES.filter((file) => existsSync(path.join(root, file)));
  for (const dir of INIT_DIRS) {
    try {
      const names = readdirSync(path.join(root, dir)).filter((name) => name.endsWith('.sql'));
      files.push(...names.sort().map((name) => path.join(dir, name)));
    } catch {
      // no such directory
    }
  }
  for (const file of files) {
    const sql = readFileSync(path.join(root, file), 'utf8').replace(/--.*$/gm, '');
    found.files.push(file);
    for (const m of sql.matchAll(/create\s+database\s+"?([A-Za-z_][\w$]*)"?/gi)) found.databases.push(m[1] as string);
    for (const m of sql.matchAll(/create\s+extension\s+(?:if\s+not\s+exists\s+)?"?([\w-]+)"?/gi))
      found.extensions.push(m[1] as string);
  }
  if (found.files.length === 0) return undefined;
  return { files: found.files, databases: [...new Set(found.databases)], extensions: [...new Set(found.extensions)] };
}
