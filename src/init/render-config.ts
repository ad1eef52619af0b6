import path from 'node:path';
import type { ComposePostgres } from './detect-project.js';
import type { FoundService } from './detect-services.js';

/** A value as JavaScript source: single-quoted strings, keys bare when they can be. */
function js(value: unknown, indent: string): string {
  if (typeof value === 'string') return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => js(v, indent)).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  const inner = `${indent}  `;
  const key = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : js(k, inner));
  return `{\n${entries.map(([k, v]) => `${inner}${key(k)}: ${js(v, inner)},`).join('\n')}\n${indent}}`;
}

/** The service's config entry, and the comments that say where each guess came from. */
export function serviceEntry(
  service: FoundService,
  root: string,
  more: { env: Record<string, string>; dependsOn: string[]; database: string | undefined },
) {
  const { env, dependsOn } = more;
  const entry: Record<string, unknown> = { cwd: path.relative(root, service.dir) || '.' };
  if (more.database !== undefined) entry.database = more.database;
  if (service.command) entry.command = service.command;
  if (service.port !== undefined) entry.port = service.port;
  if (service.health) entry.ready = { http: service.health };
  if (dependsOn.length > 0) entry.dependsOn = dependsOn;
  if (Object.keys(env).length > 0) entry.env = env;
  const migrations = service.migrations;
  if (migrations?.kind === 'sql') entry.migrations = { dir: migrations.dir };
  if (migrations?.kind === 'alembic') {
    entry.migrations = {
      tool: 'alembic',
      program: [migrations.python, '-m', 'alembic'],
      // env.py reads a schema variable: one schema per tenant. Add your tenants here.
      ...(migrations.perTenant ? { tenants: ['default'], schema: `${service.name}_{tenant}` } : { schema: 'public' }),
      env: migrations.env,
    };
  }
  return entry;
}

export interface ConfigSource {
  project: string;
  compose: ComposePostgres | undefined;
  /** Postgres-image-style init scripts: devup runs them as the image does, once per cluster. */
  initFiles: string[];
  services: { service: FoundService; entry: Record<string, unknown> }[];
}

/** The text of devup.config.mjs: plain data with a type annotation, so it loads without devup installed. */
export function renderConfig(source: ConfigSource): string {
  const lines = [
    '// @ts-check',
    '// Written by `devup init` from what it found in this repo: a start, edit it freely.',
    "// Every key is described in devup's JSON Schema (devup-env/schema.json).",
    '',
    "/** @type {import('devup-env').DevupConfig} */",
    'export default {',
    `  project: ${js(source.project, '  ')},`,
  ];
  const database: Record<string, unknown> = {};
  if (source.compose) {
    lines.push(`  // The image from ${source.compose.file} (service "${source.compose.service}").`);
    database.image = source.compose.image;
  }
  if (source.initFiles.length > 0) {
    lines.push('  // Your init scripts, run as the Postgres image runs them: once per cluster, before migrating.');
    database.init = source.initFiles.length === 1 ? source.initFiles[0] : source.initFiles;
  }
  if (Object.keys(database).length > 0) lines.push(`  database: ${js(database, '  ')},`);
  lines.push('  services: {');
  for (const { service, entry } of source.services) {
    lines.push(`    // Found: ${service.evidence.join('; ')}.`);
    lines.push(
      `    ${/^[A-Za-z_$][\w$]*$/.test(service.name) ? service.name : js(service.name, '')}: ${js(entry, '    ')},`,
    );
  }
  lines.push('  },', '};', '');
  return lines.join('\n');
}
