import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig, ServiceSettings } from '../config/types.js';
import { type ConnectionInfo, connectionEnv, isPgError, withClient } from '../database/index.js';
import { UserError } from '../errors.js';
import { checksumSql } from './checksum.js';
import { codeFrame, describePgError, lineAndColumn } from './error-frame.js';
import { quoteIdent, quoteLiteral } from './history.js';
import { substitutePlaceholders } from './placeholders.js';
import { runInSchemaTransaction } from './schema-transaction.js';
import type { TargetBase } from './targets.js';

/** Files matching a pattern such as `seeds/*.sql` (a `*` or `?` in the last part), sorted. */
export function matchSeedFiles(cwd: string, pattern: string): string[] {
  const full = path.resolve(cwd, pattern);
  const dir = path.dirname(full);
  const base = path.basename(full);
  const regex = new RegExp(
    `^${base
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replaceAll('*', '.*')
      .replaceAll('?', '.')}$`,
  );
  try {
    return readdirSync(dir)
      .filter((f) => regex.test(f))
      .sort()
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

/** The table devup records applied seed files in, in every target schema. */
export const SEEDS_TABLE = 'devup_seeds';

function seedTable(schema: string): string {
  return `${quoteIdent(schema)}.${SEEDS_TABLE}`;
}

/**
 * Applies a service's seed data to a target, once: each file is recorded in the target's
 * devup_seeds table so a normal restart never seeds twice.
 */
export async function seedTarget(
  config: ResolvedConfig,
  admin: ConnectionInfo,
  service: ServiceSettings,
  target: TargetBase,
): Promise<string[]> {
  const seed = service.seed;
  if (!seed) return [];
  if (seed.kind === 'command') {
    const { runCommand } = await import('../services/run-command.js');
    await runCommand(seed.command, {
      cwd: service.cwd,
      what: `seed command of ${service.name} (${target.schema})`,
      env: {
        ...(process.env as Record<string, string>),
        ...connectionEnv(admin, service, [target]),
        DEVUP_TENANT: target.tenant,
      },
    });
    return ['(command)'];
  }
  const files = matchSeedFiles(service.cwd, seed.pattern);
  if (files.length === 0) return [];
  const applied: string[] = [];
  await withClient(
    admin,
    async (client) => {
      await client.query(
        `create table if not exists ${seedTable(target.schema)} (file text primary key, checksum text not null, applied_at timestamptz not null default now())`,
      );
      const { rows } = await client.query<{ file: string }>(`select file from ${seedTable(target.schema)}`);
      const done = new Set(rows.map((r) => r.file));
      for (const file of files) {
        const name = path.relative(config.root, file);
        if (done.has(name)) continue;
        const text = readFileSync(file, 'utf8');
        const sql = substitutePlaceholders(text.replace(/\r\n?/g, '\n'), target);
        const failed = await runInSchemaTransaction(
          client,
          target.schema,
          sql,
          () =>
            `insert into ${seedTable(target.schema)} (file, checksum) values (${quoteLiteral(name)}, ${quoteLiteral(checksumSql(text))})`,
        );
        if (failed) {
          const details: string[] = [];
          if (failed.index !== undefined) {
            const original = text.replace(/\r\n?/g, '\n');
            const { line, column } = lineAndColumn(original, failed.index);
            details.push(...codeFrame({ file, fileText: original, line, column }));
          } else details.push(file);
          if (isPgError(failed.error)) details.push(...describePgError(failed.error));
          throw new UserError(`seed file ${name} failed in ${target.schema}`, {
            details,
            hint: 'Fix the seed file; it is applied again on the next run (nothing of it was kept).',
            cause: failed.error,
          });
        }
        applied.push(path.basename(file));
      }
    },
    target.database ? { database: target.database } : {},
  );
  return applied;
}
