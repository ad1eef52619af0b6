import { createHash } from 'node:crypto';
import type pg from 'pg';
import { quoteIdent } from '../../lib/sql-quote.js';
import { HISTORY_TABLE } from './history.js';

/** A migration the snapshot's schema already holds: what `migrations.bootstrap: 'schema'` records as applied. */
export interface CoveredMigration {
  version: bigint;
  name: string;
  checksum: string;
}

const COVERS = /^-- devup:covers (\d+) (\S+) ([0-9a-f]{64})$/;
const ALEMBIC_HEAD = /^-- devup:alembic-head (\S+)$/;
const SEAL = /^-- devup:snapshot ([0-9a-f]{64})$/;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The SQL engine's applied migrations in a schema, oldest first; none for a tool's schema. */
export async function readCoveredMigrations(client: pg.Client, schema: string): Promise<CoveredMigration[]> {
  const table = `${quoteIdent(schema)}.${HISTORY_TABLE}`;
  const { rows: found } = await client.query<{ t: string | null }>('select to_regclass($1)::text as t', [table]);
  if (!found[0]?.t) return [];
  const { rows } = await client.query<{ version: string; name: string; checksum: string }>(
    `select version::text as version, name, checksum from ${table} where success order by ${HISTORY_TABLE}.version`,
  );
  return rows.map((r) => ({ version: BigInt(r.version), name: r.name, checksum: r.checksum }));
}

/** The Alembic revisions a schema is at (`alembic_version`, one row per head); none without that table. */
export async function readAlembicHeads(client: pg.Client, schema: string): Promise<string[]> {
  const table = `${quoteIdent(schema)}.alembic_version`;
  const { rows: found } = await client.query<{ t: string | null }>('select to_regclass($1)::text as t', [table]);
  if (!found[0]?.t) return [];
  const { rows } = await client.query<{ v: string }>(`select version_num as v from ${table} order by 1`);
  return rows.map((r) => r.v);
}

/** What a snapshot's schema already holds: the SQL engine's migrations, or the Alembic head(s). */
export interface SnapshotCoverage {
  covered: readonly CoveredMigration[];
  alembicHeads: readonly string[];
}

/**
 * `<service>.sql` with what it covers at its end (the SQL engine's migrations, or Alembic's head
 * revisions), sealed with a checksum of all above it: a snapshot edited by hand, or older than a
 * migration it names, is refused as a bootstrap.
 */
export function sealSnapshot(sql: string, coverage: SnapshotCoverage): string {
  const lines = [
    ...coverage.covered.map((m) => `-- devup:covers ${m.version} ${m.name} ${m.checksum}`),
    ...coverage.alembicHeads.map((head) => `-- devup:alembic-head ${head}`),
  ];
  if (lines.length === 0) return sql;
  const body = `${sql}\n-- The migrations this schema holds (migrations.bootstrap: 'schema' records them as applied).\n${lines.join('\n')}\n`;
  return `${body}-- devup:snapshot ${sha256(body)}\n`;
}

export type SnapshotReading =
  | { ok: true; sql: string; covered: CoveredMigration[]; alembicHeads: string[] }
  | { ok: false; problem: string };

/** The DDL and what it covers, or why the file cannot serve as a bootstrap. */
export function readSealedSnapshot(text: string): SnapshotReading {
  const normalised = text.replace(/\r\n?/g, '\n');
  const lines = normalised.trimEnd().split('\n');
  const seal = SEAL.exec(lines.at(-1) ?? '');
  if (!seal)
    return {
      ok: false,
      problem:
        'it records no migrations: `devup schema` seals the file of a service on the SQL engine or Alembic, unless schema.exclude leaves some of its tables out',
    };
  const body = `${lines.slice(0, -1).join('\n')}\n`;
  if (sha256(body) !== seal[1]) return { ok: false, problem: 'it was changed after `devup schema` wrote it' };
  const covered = lines.flatMap((line) => {
    const match = COVERS.exec(line);
    return match
      ? [{ version: BigInt(match[1] as string), name: match[2] as string, checksum: match[3] as string }]
      : [];
  });
  const alembicHeads = lines.flatMap((line) => {
    const match = ALEMBIC_HEAD.exec(line);
    return match ? [match[1] as string] : [];
  });
  return { ok: true, sql: body, covered, alembicHeads };
}
