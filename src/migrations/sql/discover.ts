import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../errors.js';
import type { Migration, MigrationFormat, SqlSection } from '../migration.js';
import { checksumSql } from './checksum.js';
import { parseContexts } from './contexts.js';
import { readSqlFile } from './sql-file.js';

// `.SQL` counts too: a file named in capitals must not be skipped without a word.
const SQL_FILE = /\.sql$/i;
const ORDERED = /^(\d+)_([^.]+(?:\.[^.]+)*)\.sql$/i;
const PAIR = /^(\d+)_(.+)\.(up|down)\.sql$/i;
const DIESEL_DIR = /^(\d[\d-]*)_(.+)$/;
const DBMATE_MARKER = /^--\s*migrate:(up|down)\b(.*)$/m;

/**
 * `-- devup:no-transaction` (ours), `-- no-transaction` (sqlx) or `-- morph:nontransactional`
 * (Mattermost's morph) on the first line.
 */
export function hasNoTransactionMarker(sql: string): boolean {
  const firstLine =
    sql
      .replace(/^\uFEFF/, '')
      .split('\n', 1)[0]
      ?.trim() ?? '';
  return /^--\s*((devup:\s*)?no-transaction|morph:\s*nontransactional)\b/.test(firstLine);
}

/** The largest bigint: the history table's version column. */
const MAX_VERSION = 9223372036854775807n;

export function parseVersion(digits: string): bigint {
  return BigInt(digits.replaceAll('-', ''));
}

interface Candidate {
  format: MigrationFormat;
  version: bigint;
  name: string;
  /** Path relative to the migrations directory, for messages. */
  entry: string;
  build: () => Pick<Migration, 'up' | 'down'>;
  /** dbmate: the whole file, whose header above `-- migrate:up` may declare the contexts. */
  text?: string;
}

const read = readSqlFile;

function section(file: string, sql: string, lineOffset = 0, noTransaction = hasNoTransactionMarker(sql)): SqlSection {
  return { file, sql, lineOffset, noTransaction };
}

/** Splits a dbmate file into its `-- migrate:up` and `-- migrate:down` sections. */
export function parseDbmateFile(file: string, text: string): Pick<Migration, 'up' | 'down'> {
  const lines = text.split('\n');
  const sections: { kind: 'up' | 'down'; start: number; options: string }[] = [];
  lines.forEach((line, index) => {
    const match = /^--\s*migrate:(up|down)\b(.*)$/.exec(line.trim());
    if (match) sections.push({ kind: match[1] as 'up' | 'down', start: index, options: match[2] ?? '' });
  });
  const build = (kind: 'up' | 'down'): SqlSection | undefined => {
    const index = sections.findIndex((s) => s.kind === kind);
    const found = sections[index];
    if (!found) return undefined;
    const end = sections[index + 1]?.start ?? lines.length;
    const sql = lines.slice(found.start + 1, end).join('\n');
    const noTransaction = /\btransaction\s*:\s*false\b/.test(found.options) || hasNoTransactionMarker(sql);
    return section(file, sql, found.start + 1, noTransaction);
  };
  const up = build('up');
  if (!up)
    throw new UserError(`${file}: has no "-- migrate:up" section`, { hint: 'Add the marker line above the SQL.' });
  return { up, down: build('down') };
}

function dieselNoTransaction(dir: string): boolean {
  try {
    const toml = readFileSync(path.join(dir, 'metadata.toml'), 'utf8');
    return /^\s*run_in_transaction\s*=\s*false\s*$/m.test(toml);
  } catch {
    return false;
  }
}

type Pairs = Map<string, { version: bigint; name: string; up?: string; down?: string }>;

/** Layout 1, diesel: a directory `<version>_<name>/` with up.sql, down.sql and metadata.toml. */
function dieselCandidate(dir: string, entry: string, problems: string[]): Candidate | undefined {
  const full = path.join(dir, entry);
  const match = DIESEL_DIR.exec(entry);
  if (!match) {
    problems.push(`${entry}/: a migration directory must be named <version>_<name>`);
    return undefined;
  }
  const upFile = path.join(full, 'up.sql');
  const downFile = path.join(full, 'down.sql');
  return {
    format: 'diesel',
    version: parseVersion(match[1] ?? ''),
    name: match[2] ?? '',
    entry: `${entry}/up.sql`,
    build: () => {
      const forced = dieselNoTransaction(full);
      let down: SqlSection | undefined;
      if (existsSync(downFile)) {
        const sql = read(downFile);
        down = section(downFile, sql, 0, forced || hasNoTransactionMarker(sql));
      }
      if (!existsSync(upFile)) {
        throw new UserError(`${full}: has no up.sql`, { hint: 'Each migration directory needs an up.sql.' });
      }
      const upSql = read(upFile);
      return { up: section(upFile, upSql, 0, forced || hasNoTransactionMarker(upSql)), down };
    },
  };
}

/** Layouts 2 and 3: one file per migration, plain (`0001_x.sql`) or with dbmate's sections. */
function fileCandidate(dir: string, entry: string, problems: string[]): Candidate | undefined {
  const ordered = ORDERED.exec(entry);
  if (!ordered) {
    problems.push(`${entry}: a migration file must be named <version>_<name>.sql (e.g. 0001_create_users.sql)`);
    return undefined;
  }
  const full = path.join(dir, entry);
  const text = read(full);
  const isDbmate = DBMATE_MARKER.test(text);
  return {
    format: isDbmate ? 'dbmate' : 'ordered',
    version: parseVersion(ordered[1] ?? ''),
    name: ordered[2] ?? '',
    entry,
    build: () => (isDbmate ? parseDbmateFile(full, text) : { up: section(full, text), down: undefined }),
    ...(isDbmate ? { text } : {}),
  };
}

/** Layout 4, up/down pairs: `0001_x.up.sql` beside `0001_x.down.sql`, gathered by name first. */
function addPairFile(pairs: Pairs, entry: string): boolean {
  const pair = PAIR.exec(entry);
  if (!pair) return false;
  const key = `${pair[1]}_${pair[2]}`;
  const item = pairs.get(key) ?? { version: parseVersion(pair[1] ?? ''), name: pair[2] ?? '' };
  item[pair[3]?.toLowerCase() as 'up' | 'down'] = entry;
  pairs.set(key, item);
  return true;
}

function pairCandidates(dir: string, pairs: Pairs, problems: string[]): Candidate[] {
  const candidates: Candidate[] = [];
  for (const [key, item] of pairs) {
    if (!item.up) {
      problems.push(`${key}.down.sql: has no matching ${key}.up.sql`);
      continue;
    }
    const upFile = path.join(dir, item.up);
    const downFile = item.down ? path.join(dir, item.down) : undefined;
    candidates.push({
      format: 'pairs',
      version: item.version,
      name: item.name,
      entry: item.up,
      build: () => ({
        up: section(upFile, read(upFile)),
        down: downFile ? section(downFile, read(downFile)) : undefined,
      }),
    });
  }
  return candidates;
}

/** One layout per directory, one migration per version, and versions the history table can hold. */
function orderProblems(candidates: readonly Candidate[]): string[] {
  const problems: string[] = [];
  const formats = new Map<MigrationFormat, string[]>();
  for (const c of candidates) formats.set(c.format, [...(formats.get(c.format) ?? []), c.entry]);
  if (formats.size > 1) {
    const listing = [...formats].map(
      ([format, files]) => `${format}: ${files.slice(0, 3).join(', ')}${files.length > 3 ? ', ...' : ''}`,
    );
    problems.push(`mixes ${formats.size} migration layouts (${listing.join('; ')})`);
  }
  const byVersion = new Map<bigint, string>();
  for (const c of candidates) {
    // The history table keeps versions as bigint: a longer one would fail only once applied.
    if (c.version > MAX_VERSION) {
      problems.push(`${c.entry}: version ${c.version} is too large (the most is ${MAX_VERSION}, 19 digits)`);
    }
    const other = byVersion.get(c.version);
    if (other) problems.push(`${other} and ${c.entry} have the same version ${c.version}`);
    byVersion.set(c.version, c.entry);
  }
  return problems;
}

function readEntries(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (error) {
    throw new UserError(`cannot read the migrations directory ${dir}`, { cause: error });
  }
}

/**
 * Reads a migrations directory. The layout (ordered files, up/down pairs, dbmate sections or
 * diesel directories) is detected; mixing two, or two migrations with one version, is an error.
 */
export function discoverMigrations(dir: string): Migration[] {
  const candidates: Candidate[] = [];
  const pairs: Pairs = new Map();
  const problems: string[] = [];
  for (const entry of readEntries(dir)) {
    if (entry.startsWith('.')) continue;
    let candidate: Candidate | undefined;
    if (statSync(path.join(dir, entry)).isDirectory()) candidate = dieselCandidate(dir, entry, problems);
    else if (!SQL_FILE.test(entry) || addPairFile(pairs, entry)) continue;
    else candidate = fileCandidate(dir, entry, problems);
    if (candidate) candidates.push(candidate);
  }
  candidates.push(...pairCandidates(dir, pairs, problems));
  problems.push(...orderProblems(candidates));
  if (problems.length > 0) {
    throw new UserError(`${dir}: ${problems.length === 1 ? problems[0] : 'the migrations are not in order'}`, {
      details: problems.length === 1 ? [] : problems.map((p) => `  ${p}`),
      hint: 'Use one layout per directory and a unique version prefix per migration.',
    });
  }
  return candidates
    .sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0))
    .map((c) => {
      const { up, down } = c.build();
      const id = c.format === 'diesel' ? path.basename(path.dirname(up.file)) : c.entry.replace(/(\.up)?\.sql$/i, '');
      const { contexts, checksum } = contextsAndChecksum(up, c.text);
      return { version: c.version, id, name: c.name, format: c.format, up, down, checksum, contexts };
    });
}

/**
 * The contexts a migration declares, and its checksum. A declaration inside the up SQL is in
 * the checksum already; one in a dbmate header above `-- migrate:up` is added to it, so changing
 * a migration's contexts after it ran is reported like any other edit.
 */
function contextsAndChecksum(up: SqlSection, text: string | undefined): Pick<Migration, 'contexts' | 'checksum'> {
  const inUp = parseContexts(up.file, up.sql);
  const contexts = inUp ?? (text === undefined ? undefined : parseContexts(up.file, text));
  const outside = contexts !== undefined && inUp === undefined;
  const checksum = checksumSql(outside ? `${up.sql}\n-- devup:context ${contexts.join(',')}` : up.sql);
  return { contexts, checksum };
}
