import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { discoverMigrations } from '../migrations/sql/discover.js';
import type { ScannedDir } from './scan-repo.js';

/** A service as `devup init` found it, before it becomes config. */
export interface FoundService {
  name: string;
  /** Absolute directory. */
  dir: string;
  command?: string;
  port?: number;
  health?: string;
  migrations?: FoundMigrations;
  /** Environment variables its entry file reads. */
  reads: string[];
  /** Its entry file connects through asyncpg (SQLAlchemy's async engine): its URL wants `+asyncpg`. */
  asyncpg?: boolean;
  /** Why each part is there, for the plan shown before writing. */
  evidence: string[];
}

export type FoundMigrations =
  | { kind: 'sql'; dir: string; count: number }
  | {
      kind: 'alembic';
      python: string;
      /** Variables env.py reads, and the placeholder devup fills each with. */
      env: Record<string, string>;
      /** env.py reads a schema variable: one schema per tenant. */
      perTenant: boolean;
    };

const MIGRATION_DIRS = ['migrations', path.join('db', 'migrations'), 'migrate', path.join('sql', 'migrations')];
const PYTHON_ENTRIES = ['main.py', 'app.py', 'server.py'];
const NODE_ENTRIES = ['server.js', 'index.js', 'main.js', 'app.js', 'server.mjs', 'index.mjs'];
const ENV_READ = /os\.environ\[\s*["'](\w+)["']\s*\]|os\.environ\.get\(\s*["'](\w+)["']|os\.getenv\(\s*["'](\w+)["']/g;

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The variables a Python file reads from the environment, in order of first use. */
export function envVariablesRead(source: string): string[] {
  const names = [...source.matchAll(ENV_READ)].map((m) => (m[1] ?? m[2] ?? m[3]) as string);
  return [...new Set(names)];
}

/** What devup puts in a variable that env.py reads: the URL, the schema, or nothing it knows. */
export function placeholderFor(variable: string): string | undefined {
  if (/URL|DSN|URI/i.test(variable)) return '{url}';
  if (/SCHEMA/i.test(variable)) return '{schema}';
  return undefined;
}

/** `billing-api` for `Billing API`: a name the config accepts. */
export function serviceName(dir: string): string {
  return (
    path
      .basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'app'
  );
}

function alembicOf(scanned: ScannedDir): { migrations: FoundMigrations; evidence: string } | undefined {
  if (!scanned.files.includes('alembic.ini')) return undefined;
  const ini = read(path.join(scanned.dir, 'alembic.ini'));
  const location = /^\s*script_location\s*=\s*(.+?)\s*$/m.exec(ini)?.[1] ?? 'alembic';
  const envPy = path.join(scanned.dir, location.replace('%(here)s', '.'), 'env.py');
  const env: Record<string, string> = {};
  for (const variable of envVariablesRead(read(envPy))) {
    const placeholder = placeholderFor(variable);
    if (placeholder) env[variable] = placeholder;
  }
  const python =
    existsSync(path.join(scanned.dir, '.venv')) || existsSync(path.join(scanned.dir, 'venv')) ? 'python' : 'python3';
  const perTenant = Object.values(env).includes('{schema}');
  const vars = Object.keys(env);
  return {
    migrations: { kind: 'alembic', python, env, perTenant },
    evidence: `alembic.ini (env.py reads ${vars.length > 0 ? vars.join(', ') : 'no variable devup knows'})`,
  };
}

function sqlMigrationsOf(scanned: ScannedDir): { migrations: FoundMigrations; evidence: string } | undefined {
  for (const relative of MIGRATION_DIRS) {
    const dir = path.join(scanned.dir, relative);
    if (!existsSync(dir)) continue;
    try {
      const count = discoverMigrations(dir).length;
      if (count > 0)
        return {
          migrations: { kind: 'sql', dir: relative, count },
          evidence: `${relative}/ (${count} SQL migration${count === 1 ? '' : 's'})`,
        };
    } catch {
      // Not a layout devup reads (or a tool's directory): not SQL migrations for devup.
    }
  }
  return undefined;
}

/** A package.json's scripts; one that does not parse has none (init only reads it). */
function packageScripts(file: string): Record<string, string> | undefined {
  try {
    const scripts = (JSON.parse(read(file)) as { scripts?: unknown } | null)?.scripts;
    return scripts && typeof scripts === 'object' ? (scripts as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}

/** How the service starts: its package.json script, or the Python or Node entry file it has. */
function commandOf(scanned: ScannedDir): { command: string; entry?: string; evidence: string } | undefined {
  if (scanned.files.includes('package.json')) {
    const scripts = packageScripts(path.join(scanned.dir, 'package.json'));
    const script = scripts?.dev ? 'dev' : scripts?.start ? 'start' : undefined;
    if (script) {
      // The file the script runs (`node server.js`), else the usual entry: where the port is read.
      const runs = /\bnode\s+(?:--\S+\s+)*([\w./-]+\.[cm]?js)\b/.exec(scripts?.[script] ?? '')?.[1];
      const entry = runs ?? NODE_ENTRIES.find((file) => scanned.files.includes(file));
      return {
        command: script === 'dev' ? 'npm run dev' : 'npm start',
        ...(entry ? { entry } : {}),
        evidence: `package.json script "${script}"`,
      };
    }
  }
  const python = PYTHON_ENTRIES.find((file) => scanned.files.includes(file));
  if (python) {
    const venv = ['.venv', 'venv'].find((name) => existsSync(path.join(scanned.dir, name, 'bin', 'python')));
    return { command: `${venv ? `${venv}/bin/python` : 'python3'} ${python}`, entry: python, evidence: python };
  }
  const node = NODE_ENTRIES.find((file) => scanned.files.includes(file));
  if (node) return { command: `node ${node}`, entry: node, evidence: node };
  return undefined;
}

/** The port its code falls back to (`os.environ.get("PORT", "8030")`, `process.env.PORT ?? 4001`). */
export function defaultPort(source: string): number | undefined {
  const match = /PORT["']?\s*(?:\]\s*)?(?:,|\|\||\?\?|or)\s*["']?(\d{2,5})\b/.exec(source);
  const port = match ? Number(match[1]) : undefined;
  return port !== undefined && port > 0 && port < 65536 ? port : undefined;
}

/** Every directory that looks like a service: it has migrations devup can run, or a way to start. */
export function detectServices(root: string, scanned: readonly ScannedDir[]): FoundService[] {
  const services: FoundService[] = [];
  for (const dir of scanned) {
    const migrations = alembicOf(dir) ?? sqlMigrationsOf(dir);
    const start = commandOf(dir);
    // The repo's root package.json is usually the workspace's own scripts, not a service.
    if (!migrations && (!start || dir.dir === root)) continue;
    const service: FoundService = { name: serviceName(dir.dir), dir: dir.dir, reads: [], evidence: [] };
    if (migrations) {
      service.migrations = migrations.migrations;
      service.evidence.push(migrations.evidence);
    }
    if (start) {
      service.command = start.command;
      service.evidence.push(start.evidence);
      const source = start.entry ? read(path.join(dir.dir, start.entry)) : '';
      service.reads = [
        ...new Set([
          ...envVariablesRead(source),
          ...[...source.matchAll(/process\.env\.(\w+)/g)].map((m) => m[1] as string),
        ]),
      ];
      if (/\basyncpg\b|create_async_engine/.test(source)) service.asyncpg = true;
      const port = defaultPort(source);
      if (port !== undefined) service.port = port;
      const health = /["'`](\/health[a-z]*)["'`]/.exec(source)?.[1];
      if (health && port !== undefined) service.health = health;
    }
    services.push(service);
  }
  // A migrations directory inside another service's (db/ under the service) is that service's.
  return services.filter(
    (s) => !services.some((other) => other !== s && s.dir.startsWith(`${other.dir}${path.sep}`) && !s.command),
  );
}
