import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isUnwrittenRevision } from './alembic-template.js';
import { type FileEntry, memoBySignature } from './file-listing.js';
import {
  byRelativePath,
  MigrationFilesError,
  type MigrationSet,
  type ToolAdapter,
  type ToolHistoryRow,
} from './tool-adapter.js';

export interface AlembicRevision {
  revision: string;
  /** Empty for a base revision; two or more for a merge revision. */
  downRevisions: string[];
  file: string;
}

// `revision = 'abc'` and the annotated `revision: str = "abc"` that newer templates write.
const REVISION = /^revision\s*(?::[^=\n]*)?=\s*(['"])([^'"\n]+)\1/m;
const DOWN_REVISION = /^down_revision\s*(?::[^=\n]*)?=\s*/m;
const STRING = /(['"])([^'"\n]*)\1/g;

function parseDownRevision(source: string, file: string): string[] {
  const match = DOWN_REVISION.exec(source);
  if (!match) throw new MigrationFilesError(`${file}: no down_revision`);
  const rest = source.slice(match.index + match[0].length);
  if (/^None\b/.test(rest)) return [];
  const quote = rest[0];
  if (quote === "'" || quote === '"') {
    const end = rest.indexOf(quote, 1);
    if (end < 0) throw new MigrationFilesError(`${file}: unterminated down_revision`);
    const value = rest.slice(1, end);
    return value === '' ? [] : [value];
  }
  if (quote === '(' || quote === '[') {
    const close = quote === '(' ? ')' : ']';
    const end = rest.indexOf(close);
    if (end < 0) throw new MigrationFilesError(`${file}: unterminated down_revision`);
    const inner = rest.slice(1, end);
    const values = [...inner.matchAll(STRING)].map((m) => m[2] as string).filter((v) => v !== '');
    // Anything but strings, commas and whitespace (a name, a call) is beyond a plain reading.
    if (inner.replace(STRING, '').replace(/[\s,]/g, '') !== '') {
      throw new MigrationFilesError(`${file}: down_revision is not a plain tuple of strings`);
    }
    return values;
  }
  throw new MigrationFilesError(`${file}: down_revision is not None, a string or a tuple of strings`);
}

/** Reads `revision` and `down_revision` from a revision file without running Python. */
export function parseAlembicRevision(source: string, file: string): AlembicRevision {
  const revision = REVISION.exec(source)?.[2];
  if (revision === undefined) throw new MigrationFilesError(`${file}: no revision = '...'`);
  return { revision, downRevisions: parseDownRevision(source, file), file };
}

/** The revision graph: heads, apply order, and what an applied revision implies. */
export class AlembicGraph {
  readonly revisions: ReadonlyMap<string, AlembicRevision>;
  /** Revisions that no other revision revises. */
  readonly heads: ReadonlySet<string>;
  /** Every revision, each after all of its down revisions. */
  readonly order: readonly string[];

  constructor(list: readonly AlembicRevision[]) {
    const revisions = new Map<string, AlembicRevision>();
    for (const rev of list) {
      const other = revisions.get(rev.revision);
      if (other)
        throw new MigrationFilesError(`revision ${rev.revision} is defined twice (${other.file}, ${rev.file})`);
      revisions.set(rev.revision, rev);
    }
    const revised = new Set<string>();
    for (const rev of list) {
      for (const down of rev.downRevisions) {
        if (!revisions.has(down)) throw new MigrationFilesError(`${rev.file}: revises unknown revision ${down}`);
        revised.add(down);
      }
    }
    this.revisions = revisions;
    this.heads = new Set(list.map((r) => r.revision).filter((r) => !revised.has(r)));
    this.order = topologicalOrder(list);
  }

  /** The given revisions and every revision below them. */
  ancestors(of: Iterable<string>): Set<string> {
    const seen = new Set<string>();
    const stack = [...of];
    while (stack.length > 0) {
      const id = stack.pop() as string;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const down of this.revisions.get(id)?.downRevisions ?? []) stack.push(down);
    }
    return seen;
  }

  /** Revisions that revise the given one, directly or not. */
  descendants(of: string): Set<string> {
    const below = new Map<string, Set<string>>();
    for (const id of this.order) below.set(id, this.ancestors([id]));
    return new Set([...below].filter(([id, ancestors]) => id !== of && ancestors.has(of)).map(([id]) => id));
  }

  /** Several heads: `alembic upgrade head` refuses them until a merge revision joins them. */
  headsProblem(): string | undefined {
    if (this.heads.size <= 1) return undefined;
    return `several heads: ${[...this.heads].join(', ')} (join them with \`alembic merge heads\`)`;
  }

  /** Compares with the rows of alembic_version (which holds the applied heads only). */
  status(applied: readonly string[]): { pending: string[]; problem?: string } {
    const current = new Set(applied);
    if (current.size === this.heads.size && [...current].every((id) => this.heads.has(id))) return { pending: [] };
    const unknown = [...current].filter((id) => !this.revisions.has(id));
    const below = this.ancestors(current);
    const pending = this.order.filter((id) => !below.has(id));
    if (unknown.length > 0)
      return { pending, problem: `alembic_version names revisions with no file: ${unknown.join(', ')}` };
    if (pending.length === 0) {
      const extra = [...current].filter((id) => !this.heads.has(id));
      return { pending, problem: `alembic_version lists revisions that are not heads: ${extra.join(', ')}` };
    }
    return { pending };
  }
}

function topologicalOrder(list: readonly AlembicRevision[]): string[] {
  // Kahn's algorithm; ties keep file order so the result is stable.
  const remaining = new Map(list.map((r) => [r.revision, new Set(r.downRevisions)]));
  const order: string[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining].filter(([, downs]) => downs.size === 0).map(([id]) => id);
    if (ready.length === 0)
      throw new MigrationFilesError(`the revisions form a cycle: ${[...remaining.keys()].join(', ')}`);
    for (const id of ready) {
      remaining.delete(id);
      order.push(id);
    }
    for (const downs of remaining.values()) for (const id of ready) downs.delete(id);
  }
  return order;
}

/** Alembic's migration set keeps its graph, for down, dry-run and the several-heads check. */
export interface AlembicSet extends MigrationSet {
  graph: AlembicGraph;
}

export function alembicGraphOf(set: MigrationSet | undefined): AlembicGraph | undefined {
  return set && 'graph' in set ? (set as AlembicSet).graph : undefined;
}

export function parseAlembicFiles(files: readonly FileEntry[]): AlembicSet {
  const unwritten = new Set<string>();
  const revisions = [...files].sort(byRelativePath).map((file) => {
    const source = readFileSync(file.absolute, 'utf8');
    const revision = parseAlembicRevision(source, file.relative);
    if (isUnwrittenRevision(revision, source)) unwritten.add(revision.revision);
    return revision;
  });
  const graph = new AlembicGraph(revisions);
  const names = new Map(revisions.map((r) => [r.revision, path.basename(r.file, '.py')]));
  const entries = new Map(files.map((f) => [f.relative, f]));
  return {
    ids: [...graph.order],
    status: (rows: readonly ToolHistoryRow[]) => graph.status(rows.map((r) => r.id ?? '')),
    applied: (rows: readonly ToolHistoryRow[]) => {
      const current = rows.map((r) => r.id ?? '');
      const below = graph.ancestors(current);
      return [...graph.order.filter((id) => below.has(id)), ...current.filter((id) => !graph.revisions.has(id))];
    },
    label: (id) => names.get(id) ?? id,
    fileOf: (id) => entries.get(graph.revisions.get(id)?.file ?? ''),
    unwritten,
    problem: graph.headsProblem(),
    graph,
  };
}

/** `script_location` from alembic.ini in `cwd`, if there is one. */
function scriptLocation(cwd: string): string | undefined {
  const ini = path.join(cwd, 'alembic.ini');
  let signature: string;
  try {
    const stats = statSync(ini);
    signature = `${stats.mtimeMs}:${stats.size}`;
  } catch {
    return undefined;
  }
  return memoBySignature(`alembic.ini:${ini}`, signature, () => {
    let section = '';
    for (const raw of readFileSync(ini, 'utf8').split(/\r?\n/)) {
      const line = raw.trim();
      const header = /^\[(.+)\]$/.exec(line);
      if (header) section = header[1] as string;
      const value = /^script_location\s*[=:]\s*(.+)$/.exec(line)?.[1];
      // `package:dir` locations live inside an installed package: fall back to the default.
      if (section === 'alembic' && value !== undefined && !/^[\w.]+:[^/\\]/.test(value)) {
        return path.resolve(cwd, value.replaceAll('%(here)s', cwd).trim());
      }
    }
    return undefined;
  });
}

export const alembic: ToolAdapter = {
  tool: 'alembic',
  migrationsDir(settings) {
    if (settings.dir !== undefined) {
      const versions = path.join(settings.dir, 'versions');
      return existsSync(versions) ? versions : settings.dir;
    }
    return path.join(scriptLocation(settings.cwd) ?? path.join(settings.cwd, 'alembic'), 'versions');
  },
  recursive: false,
  includes: (relative) => relative.endsWith('.py') && relative !== '__init__.py' && !relative.startsWith('.'),
  parse: parseAlembicFiles,
  history: { table: 'alembic_version', columns: 'version_num::text as id', orderBy: '1', fingerprinted: false },
  program: () => ['alembic'],
  upgradeArgs: () => ['upgrade', 'head'],
  upgradeSuffixes: [
    ['upgrade', 'head'],
    ['upgrade', 'heads'],
  ],
  install:
    'Install it in the Python environment of the service (pip install alembic psycopg2-binary), or set migrations.command, e.g. ["python3", "-m", "alembic", "upgrade", "head"] or "poetry run alembic upgrade head".',
};
