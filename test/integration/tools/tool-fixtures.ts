import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { ResolvedConfig, ServiceSettings } from '../../../src/config/types.js';
import { collectTargets, type TargetBase } from '../../../src/migrations/targets.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const FIXTURES = path.join(REPO, 'test', 'fixtures');

/** Debian's Python with python3-alembic and python3-psycopg2 (not the python3 first on PATH). */
export const SYSTEM_PYTHON = '/usr/bin/python3';
export const PEERS = '/var/cache/devup/peers';

export function alembicAvailable(): boolean {
  return spawnSync(SYSTEM_PYTHON, ['-c', 'import alembic, psycopg2'], { stdio: 'ignore' }).status === 0;
}

/**
 * dbmate's Go binary, installed from npm into a cache shared by test runs on this machine. Test
 * files run in parallel: a lock directory makes one of them install while the others wait.
 */
export async function ensureDbmate(): Promise<string> {
  const binary = path.join(PEERS, 'node_modules', '@dbmate', `${process.platform}-${process.arch}`, 'bin', 'dbmate');
  const lock = `${PEERS}.install-lock`;
  if (existsSync(binary) && !existsSync(lock)) return binary;
  mkdirSync(path.dirname(PEERS), { recursive: true });
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock left by a killed run.
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 300_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    if (!existsSync(binary)) {
      execFileSync('npm', ['install', '--prefix', PEERS, '--no-audit', '--no-fund', '--no-save', 'dbmate@2'], {
        stdio: 'ignore',
      });
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
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
