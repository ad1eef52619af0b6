import type pg from 'pg';
import { type ConnectionInfo, withClient } from '../database/connection/connection.js';

/** How much a database holds: what decides the cheaper way to copy it (see copyStrategy). */
export interface CopyShape {
  /** Relations with storage (tables, indexes, TOAST, sequences, materialised views), catalogs included. */
  relations: number;
  bytes: number;
}

/**
 * Measured on this machine (Postgres 15): 2,250 relations in 19 MB (a reset's demo at size) copy
 * in 0.7–0.8 s with `wal_log` but 2.5–3 s with `file_copy` (two checkpoints, then a file created
 * and synced per relation); 276 relations in 280 MB (two large tables and the catalogs) copy in
 * 0.4–0.7 s with `file_copy` but 0.9–1.1 s with `wal_log` (every block written to the WAL too).
 * Roughly, file_copy costs ~1 ms more per relation and wal_log ~3.5 ms more per MB: file_copy
 * wins once the average relation holds more than about a quarter of a MB.
 */
const FILE_COPY_MIN_AVERAGE_BYTES = 256 * 1024;

/** Reads a database's shape over a connection to it; undefined when it can't be read (never fatal). */
export async function measureShape(admin: ConnectionInfo, database: string): Promise<CopyShape | undefined> {
  try {
    return await withClient(
      admin,
      async (client) => {
        const { rows } = await client.query<{ relations: number; bytes: string }>(
          `select count(*)::int as relations, coalesce(sum(pg_relation_size(oid)), 0)::text as bytes
             from pg_class where relkind in ('r', 'i', 't', 'm', 'S')`,
        );
        const row = rows[0];
        return row ? { relations: row.relations, bytes: Number(row.bytes) } : undefined;
      },
      { database },
    );
  } catch {
    return undefined;
  }
}

const hasStrategy = new WeakMap<pg.Client, boolean>();

/** Whether the server knows `create database … strategy` (Postgres 15 and later). */
async function serverHasStrategy(client: pg.Client): Promise<boolean> {
  let known = hasStrategy.get(client);
  if (known === undefined) {
    const { rows } = await client.query<{ v: number }>("select current_setting('server_version_num')::int as v");
    known = (rows[0]?.v ?? 0) >= 150000;
    hasStrategy.set(client, known);
  }
  return known;
}

/** The cheaper strategy for a copy of this shape: `file_copy` for few large relations, else `wal_log`. */
export function chooseStrategy(shape: CopyShape): 'file_copy' | 'wal_log' {
  return shape.relations > 0 && shape.bytes / shape.relations >= FILE_COPY_MIN_AVERAGE_BYTES ? 'file_copy' : 'wal_log';
}

/** The `strategy …` clause of a `create database` for a copy of this shape ('' when unknown or unsupported). */
export async function strategyClause(client: pg.Client, shape: CopyShape | undefined): Promise<string> {
  if (!shape || !(await serverHasStrategy(client))) return '';
  return ` strategy ${chooseStrategy(shape)}`;
}
