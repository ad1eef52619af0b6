import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { ResolvedConfig, ServiceSettings } from '../../../src/config/types.js';
import { collectTargets, type TargetBase } from '../../../src/migrations/targets.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const FIXTURES = path.join(REPO, 'test', 'fixtures');

/** Debian's Python with python3-alembic and python3-psycopg2 (not the python3 first on PATH). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export function alembicAvailable(): boolean {
  return spawnSync(SYSTEM_PYTHON, ['-c', 'import alembic, psycopg2'], { stdio: 'ignore' }).status === 0;
}

/** dbmate's Go binary from its npm package (a devDependency: tests install nothing while they run). */
export function dbmateBinary(): string {
  const binary = path.join(REPO, 'node_modules', '@dbmate', `${process.platform}-${process.arch}`, 'bin', 'dbmate');
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run \`npm ci\` (dbmate is a devDependency)`);
  return binary;
}

/** Copies test/fixtures/<name> into `dir`, so tests can add and edit files freely. */
export function copyFixture(name: string, dir: string): string {
  cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

/**
 * A wrapper that counts its own starts before exec'ing the real tool: how the tests prove that
 * a check spawned nothing.
 */
export function countingWrapper(dir: string, name: string, exec: string[]): { path: string; count(): number } {
  mkdirSync(dir, { recursive: true });
  const counter = path.join(dir, `${name}.count`);
  const file = path.join(dir, name);
  const quoted = exec.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
  writeFileSync(file, `#!/bin/sh\necho run >> '${counter}'\nexec ${quoted} "$@"\n`);
  chmodSync(file, 0o755);
  return {
    path: file,
    count: () => (existsSync(counter) ? readFileSync(counter, 'utf8').split('\n').filter(Boolean).length : 0),
  };
}

export async function targetsOf(
  config: ResolvedConfig,
  client: pg.Client,
  service: string,
): Promise<{ service: ServiceSettings; targets: TargetBase[] }> {
  const [found] = await collectTargets(config, { services: [service], query: (sql) => client.query(sql) });
  if (!found) throw new Error(`no targets for ${service}`);
  return { service: found.service, targets: found.targets };
}

export async function tableExists(client: pg.Client, qualified: string): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>('select to_regclass($1) is not null as ok', [qualified]);
  return rows[0]?.ok ?? false;
}
