import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { CopyShape } from './copy-strategy.js';

/**
 * Copies of a project's databases that devup keeps on the same server: one template per
 * database (what `reset` restores) and named snapshots. Each carries a label in its database
 * comment; devup only ever drops a copy whose label names this project.
 */
export type CopyKind = 'template' | 'snapshot' | 'spare' | 'incoming' | 'trash';

export interface CopyLabel {
  project: string;
  kind: CopyKind;
  /** The project database this is a copy of. */
  source: string;
  /** The snapshot's name (kind snapshot). */
  name?: string;
  /**
   * A snapshot copy whose save has not finished: set on every copy as it is made and cleared on
   * all of them in one transaction once the last is done. A snapshot with it is never restored.
   */
  incomplete?: true;
  createdAt: string;
  /** What built it: per part (config, each service's migrations and seeds), a hash. */
  fingerprint: Record<string, string>;
  /** Per target schema at the time of the copy: how many migrations were applied, and the last. */
  migrations?: Record<string, { count: number; last: string | undefined }>;
  /** The source's size when the copy was made: clones of it pick their `create database` strategy by it. */
  shape?: CopyShape;
}

export interface DatabaseCopy {
  database: string;
  label: CopyLabel;
  /** Bytes on disk, when asked for. */
  size?: number;
}

const PREFIX = 'devup:';
/** Postgres cuts identifiers at 63 bytes without a word: longer names are shortened with a hash. */
const MAX_IDENTIFIER = 63;

/** The name of a copy: `<source>__devup_<suffix>`, shortened (with a hash) to fit an identifier. */
export function copyName(source: string, suffix: string): string {
  const full = `${source}__devup_${suffix}`;
  if (Buffer.byteLength(full) <= MAX_IDENTIFIER) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 10);
  const tail = `_${hash}__devup_${suffix}`.slice(0, 40);
  let head = source;
  while (Buffer.byteLength(head + tail) > MAX_IDENTIFIER) head = head.slice(0, -1);
  return head + tail;
}

export function formatLabel(label: CopyLabel): string {
  return PREFIX + JSON.stringify(label);
}

/** The label in a database comment, or undefined when the comment is not devup's. */
export function parseLabel(comment: string | null | undefined): CopyLabel | undefined {
  if (!comment?.startsWith(PREFIX)) return undefined;
  try {
    const label = JSON.parse(comment.slice(PREFIX.length)) as CopyLabel;
    return typeof label.project === 'string' && typeof label.source === 'string' && typeof label.kind === 'string'
      ? label
      : undefined;
  } catch {
    return undefined;
  }
}

/** Every copy of this project's databases on the server (sizes read only when asked: it costs a stat per file). */
export async function listCopies(
  client: pg.Client,
  project: string,
  options: { sizes?: boolean } = {},
): Promise<DatabaseCopy[]> {
  const { rows } = await client.query<{ datname: string; comment: string; size: string | null }>(
    `select datname, shobj_description(oid, 'pg_database') as comment,
            ${options.sizes ? 'pg_database_size(oid)::text' : 'null'} as size
       from pg_database
      where shobj_description(oid, 'pg_database') like 'devup:%'
      order by datname`,
  );
  const copies: DatabaseCopy[] = [];
  for (const row of rows) {
    const label = parseLabel(row.comment);
    if (label?.project !== project) continue;
    copies.push({ database: row.datname, label, ...(row.size === null ? {} : { size: Number(row.size) }) });
  }
  return copies;
}
