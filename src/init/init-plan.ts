import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { composePostgres, exampleEnvKeys, initScripts, rootScripts } from './detect-project.js';
import { detectServices, type FoundService, placeholderFor } from './detect-services.js';
import { renderConfig, serviceEntry } from './render-config.js';
import { scanRepo } from './scan-repo.js';

/** A file `devup init` would write: a new one, or lines/keys added to one that exists. */
export interface PlannedFile {
  /** Relative to the repo root. */
  file: string;
  action: 'create' | 'update';
  content: string;
  /** One line for the plan ("adds scripts dev, migrate"). */
  summary: string;
}

export interface InitPlan {
  root: string;
  /** What was found, one line each. */
  found: string[];
  files: PlannedFile[];
  /** What the user should know or finish by hand. */
  notes: string[];
}

const CONFIG_NAMES = [
  'devup.config.ts',
  'devup.config.mts',
  'devup.config.js',
  'devup.config.mjs',
  'devup.config.cjs',
  'devup.config.json',
];
const GITIGNORE_LINES = ['.devup/', '.env'];
const SCRIPTS: [string, string][] = [
  ['dev', 'devup dev'],
  ['migrate', 'devup migrate'],
  ['dev:logs', 'devup logs -f'],
];

/** An env value for a variable a service reads: the database URL, or another service's address. */
function serviceEnv(
  service: FoundService,
  services: readonly FoundService[],
): { env: Record<string, string>; dependsOn: string[] } {
  const env: Record<string, string> = {};
  const dependsOn: string[] = [];
  for (const variable of service.reads) {
    if (variable === 'DATABASE_URL' || variable === 'PORT') continue; // devup sets both
    const other = services.find(
      (s) =>
        s !== service &&
        s.port !== undefined &&
        variable.startsWith(`${s.name.toUpperCase().replaceAll('-', '_')}_`) &&
        /URL|ADDR|HOST/.test(variable),
    );
    if (other) {
      // Its address as this checkout runs it (a second checkout shifts the ports).
      env[variable] = `{service.${other.name}.url}`;
      dependsOn.push(other.name);
    } else if (/DATABASE|DB_|PG|POSTGRES/.test(variable) && placeholderFor(variable) === '{url}')
      env[variable] = service.asyncpg ? '{url:asyncpg}' : '{url}';
  }
  return { env, dependsOn };
}

function gitignorePlan(root: string, notes: string[]): PlannedFile | undefined {
  const file = path.join(root, '.gitignore');
  let text = '';
  try {
    text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  } catch (error) {
    notes.push(
      `.gitignore cannot be read (${(error as NodeJS.ErrnoException).code}): add ${GITIGNORE_LINES.join(' and ')} to it yourself.`,
    );
    return undefined;
  }
  const have = new Set(text.split('\n').map((line) => line.trim().replace(/^\//, '')));
  const missing = GITIGNORE_LINES.filter((line) => !have.has(line) && !have.has(line.replace(/\/$/, '')));
  if (missing.length === 0) return undefined;
  const prefix = text === '' || text.endsWith('\n') ? text : `${text}\n`;
  return {
    file: '.gitignore',
    action: text === '' ? 'create' : 'update',
    content: `${prefix}# devup's local state and settings\n${missing.join('\n')}\n`,
    summary: `adds ${missing.join(', ')}`,
  };
}

function packageJsonPlan(root: string, scripts: Record<string, string>): PlannedFile | undefined {
  const file = path.join(root, 'package.json');
  const text = readFileSync(file, 'utf8');
  const json = JSON.parse(text) as { scripts?: Record<string, string> };
  const added: string[] = [];
  json.scripts ??= {};
  for (const [name, command] of SCRIPTS) {
    if (Object.values(scripts).includes(command)) continue;
    const free = scripts[name] === undefined ? name : `devup:${name}`;
    if (json.scripts[free] !== undefined) continue;
    json.scripts[free] = command;
    added.push(free);
  }
  if (added.length === 0) return undefined;
  const indent = /^[{]\n([ \t]+)/.exec(text)?.[1] ?? '  ';
  return {
    file: 'package.json',
    action: 'update',
    content: `${JSON.stringify(json, null, indent)}\n`,
    summary: `adds scripts ${added.join(', ')}`,
  };
}

/** Looks at the repo and plans the files `devup init` writes; writes nothing. */
export function planInit(root: string): InitPlan {
  const existing = CONFIG_NAMES.find((name) => existsSync(path.join(root, name)));
  if (existing) {
    throw new UserError(`${existing} already exists: devup init never overwrites a config`, {
      hint: 'Edit it, or move it away and run devup init again to see what devup finds.',
    });
  }
  const scanned = scanRepo(root);
  const rootFiles = scanned[0]?.files ?? [];
  const found = detectServices(root, scanned);
  if (found.length === 0) {
    throw new UserError(`devup init found no service in ${root}`, {
      hint: 'It looks for alembic.ini files, migrations/ (or db/migrations/) with SQL files, package.json start/dev scripts and main.py/app.py/server.js. Write devup.config.mjs by hand (see the docs), or run devup init in the repo root.',
    });
  }
  const compose = composePostgres(root, rootFiles);
  const envExample = exampleEnvKeys(root, rootFiles);
  const init = initScripts(root);
  const services = found.map((service) => {
    const { env, dependsOn } = serviceEnv(service, found);
    // A database the init scripts create under the service's name is that service's own.
    const database = init?.databases.find((name) => name === service.name.replaceAll('-', '_'));
    return { service, entry: serviceEntry(service, root, { env, dependsOn, database }) };
  });
  const project = projectName(root);
  const files: PlannedFile[] = [
    {
      file: 'devup.config.mjs',
      action: 'create',
      content: renderConfig({ project, compose, services, initFiles: init?.files ?? [] }),
      summary: `${found.length} service${found.length === 1 ? '' : 's'}: ${found.map((s) => s.name).join(', ')}`,
    },
  ];
  const scripts = rootScripts(root, rootFiles);
  const notes: string[] = [];
  const packageJson = scripts ? packageJsonPlan(root, scripts) : undefined;
  if (packageJson) files.push(packageJson);
  if (!scripts && rootFiles.includes('package.json')) notes.push('package.json does not parse: no npm scripts added.');
  else if (!scripts) notes.push('No package.json here: run devup as `npx devup dev` (or add it to your package.json).');
  const gitignore = gitignorePlan(root, notes);
  if (gitignore) files.push(gitignore);
  const lines = describeFound(root, found, { compose, init, envExample });
  if (envExample?.keys.includes('DATABASE_URL'))
    notes.push(`devup sets DATABASE_URL for each service; the one in ${envExample.file} is not used by devup dev.`);
  notes.push(...serviceNotes(found));
  return { root, found: lines, files, notes };
}

/** The project's name from its directory: a letter or digit first (it names containers and volumes). */
function projectName(root: string): string {
  return (
    path
      .basename(root)
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^[-_]+|-+$/g, '') || 'app'
  );
}

/** One line per thing found, with the evidence: services, the compose Postgres, init scripts, .env.example. */
function describeFound(
  root: string,
  found: readonly FoundService[],
  more: {
    compose: ReturnType<typeof composePostgres>;
    init: ReturnType<typeof initScripts>;
    envExample: ReturnType<typeof exampleEnvKeys>;
  },
): string[] {
  const { compose, init, envExample } = more;
  const lines = found.map((s) => `${s.name} (${path.relative(root, s.dir) || '.'}): ${s.evidence.join('; ')}`);
  if (compose) lines.push(`Postgres: ${compose.image} in ${compose.file} (service "${compose.service}")`);
  if (init) {
    const creates = [...init.databases.map((d) => `database ${d}`), ...init.extensions.map((e) => `extension ${e}`)];
    lines.push(`init scripts: ${init.files.join(', ')} (${creates.join(', ') || 'nothing devup reads'})`);
  }
  if (envExample) lines.push(`${envExample.file}: ${envExample.keys.join(', ') || 'no variables'}`);
  return lines;
}

/** What the user still has to say of a service: how to start it, its tenants. */
function serviceNotes(found: readonly FoundService[]): string[] {
  return found.flatMap((service) => [
    ...(service.command
      ? []
      : [`${service.name}: no way to start it found; add a command, or keep it migrations-only.`]),
    ...(service.migrations?.kind === 'alembic' && service.migrations.perTenant
      ? [
          `${service.name}: env.py reads a schema per tenant; list your tenants in services.${service.name}.migrations.tenants.`,
        ]
      : []),
  ]);
}
