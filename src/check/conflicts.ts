import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ServiceSettings } from '../config/types.js';
import { errorMessage, UserError } from '../errors.js';
import { appendToGroup } from '../lib/group.js';
import type { Migration } from '../migrations/migration.js';
import { discoverMigrations, parseVersion } from '../migrations/sql/discover.js';
import { toolAdapter } from '../migrations/tools/adapters.js';
import { type AlembicRevision, parseAlembicRevision } from '../migrations/tools/alembic.js';
import { listDir } from '../migrations/tools/file-listing.js';
import { type Finding, plural } from './check-report.js';
import type { GitBase } from './git-base.js';

/** A migration file's version and id from its path relative to the migrations directory. */
interface VersionedFile {
  version: bigint;
  id: string;
  relative: string;
}

/** `0007_refunds.sql`, `0007_refunds.up.sql`, `2025-01-01-120000_x/up.sql` (diesel), `V7__refunds.sql` (Flyway). */
export function versionedFile(relative: string): VersionedFile | undefined {
  if (/\.down\.sql$|\/down\.sql$/.test(relative)) return undefined;
  const digits =
    /^V(\d+(?:[._]\d+)*)__/.exec(relative)?.[1]?.replace(/[._]/g, '') ?? /^(\d[\d-]*)_/.exec(relative)?.[1];
  if (digits === undefined) return undefined;
  const id = relative.replace(/(\/up\.sql|\.up\.sql|\.sql)$/, '');
  return { version: parseVersion(digits), id, relative };
}

/**
 * Migrations this branch adds (present here, absent at the base) whose version is below the
 * base's newest: every database that already ran the base's migrations would run them out of order.
 */
export function addedBelowBase(current: readonly VersionedFile[], atBase: ReadonlySet<string>, ref: string): Finding[] {
  const baseFiles = [...atBase].map(versionedFile).filter((f): f is VersionedFile => f !== undefined);
  const newest = baseFiles.reduce<VersionedFile | undefined>(
    (a, b) => (!a || b.version > a.version ? b : a),
    undefined,
  );
  if (!newest) return [];
  return current
    .filter((file) => !atBase.has(file.relative) && file.version < newest.version)
    .map((file) => ({
      severity: 'error' as const,
      message: `${file.id} was added below ${ref}'s newest migration (${newest.id})`,
      details: [
        `  Every database that already ran ${ref}'s migrations would run ${file.id} out of order.`,
        `  Renumber it above ${newest.id} (\`devup new migration\` picks the next number).`,
      ],
    }));
}

/** Duplicate versions, layouts mixed, and (with a base) migrations added below the base's newest: SQL engine. */
export function sqlConflicts(
  dir: string,
  base: GitBase | undefined,
): { findings: Finding[]; migrations: Migration[] | undefined } {
  let migrations: Migration[];
  try {
    migrations = discoverMigrations(dir);
  } catch (error) {
    // Discovery already names both files of a duplicate version; reuse its words.
    const details = error instanceof UserError ? error.details.map((d) => d.trim()) : [];
    return {
      findings: [{ severity: 'error', message: errorMessage(error), file: dir, details: details.map((d) => `  ${d}`) }],
      migrations: undefined,
    };
  }
  if (!base) return { findings: [], migrations };
  const current = migrations.map((m) => ({
    m,
    file: versionedFile(path.relative(dir, m.up.file).split(path.sep).join('/')),
  }));
  const findings = addedBelowBase(
    current.map((c) => c.file).filter((f): f is VersionedFile => f !== undefined),
    base.filesAt(dir),
    base.ref,
  );
  for (const finding of findings) {
    finding.file = current.find((c) => finding.message.startsWith(`${c.file?.id} `))?.m.up.file;
  }
  return { findings, migrations };
}

/** Alembic: two revisions with one id, several heads, a branch point nobody merged. */
export function alembicConflicts(revisions: readonly AlembicRevision[]): Finding[] {
  const findings: Finding[] = [];
  const byId = new Map<string, AlembicRevision>();
  for (const rev of revisions) {
    const other = byId.get(rev.revision);
    if (other) {
      findings.push({
        severity: 'error',
        message: `revision ${rev.revision} is defined twice: ${other.file} and ${rev.file}`,
        file: rev.file,
      });
    }
    byId.set(rev.revision, rev);
  }
  const children = new Map<string, AlembicRevision[]>();
  for (const rev of revisions) {
    for (const down of rev.downRevisions) appendToGroup(children, down, rev);
  }
  const heads = revisions.filter((rev) => !children.has(rev.revision));
  if (heads.length <= 1) return findings;
  const describe = (rev: AlembicRevision) => `${rev.revision} (${rev.file})`;
  const branchPoints = [...children].filter(([, revs]) => revs.length > 1);
  for (const [point, revs] of branchPoints) {
    findings.push({
      severity: 'error',
      message: `revisions ${revs.map(describe).join(' and ')} both revise ${point}, and no merge revision joins them`,
      file: revs[0]?.file,
      details: [
        '  `alembic upgrade head` refuses multiple heads. Run `alembic merge heads -m merge` and commit the merge revision.',
      ],
    });
  }
  if (branchPoints.length === 0) {
    findings.push({
      severity: 'error',
      message: `multiple heads: ${heads.map(describe).join(' and ')}`,
      file: heads[0]?.file,
      details: [
        '  `alembic upgrade head` refuses multiple heads. Run `alembic merge heads -m merge` and commit the merge revision.',
      ],
    });
  }
  return findings;
}

/** External tools: what devup can judge from their files without running them. */
export function toolConflicts(
  service: ServiceSettings,
  base: GitBase | undefined,
): { findings: Finding[]; note: string } {
  const settings = service.migrations;
  if (settings?.kind !== 'tool') return { findings: [], note: '' };
  const adapter = toolAdapter(settings.tool);
  const dir = adapter.migrationsDir(settings);
  const files = listDir(dir, { recursive: adapter.recursive, include: (r) => adapter.includes(r) }).files;
  if (settings.tool === 'alembic') {
    const revisions: AlembicRevision[] = [];
    const findings: Finding[] = [];
    for (const file of files) {
      try {
        revisions.push(parseAlembicRevision(readFileSync(file.absolute, 'utf8'), file.relative));
      } catch (error) {
        findings.push({
          severity: 'warning',
          message: `cannot read the revision: ${errorMessage(error)}`,
          file: file.absolute,
        });
      }
    }
    // Messages name files as in the versions directory; annotations need the whole path.
    const graph = alembicConflicts(revisions).map((f) => ({ ...f, file: f.file && path.join(dir, f.file) }));
    return { findings: [...findings, ...graph], note: plural(revisions.length, 'revision') };
  }
  if (settings.tool !== 'dbmate' && settings.tool !== 'flyway') {
    return { findings: [], note: `not checked for ${settings.tool} (devup reads no versions from its files)` };
  }
  const versioned = files
    .map((f) => ({ entry: f, file: versionedFile(f.relative) }))
    .filter((f): f is { entry: (typeof files)[number]; file: VersionedFile } => f.file !== undefined);
  const findings: Finding[] = [];
  const seen = new Map<bigint, string>();
  for (const { entry, file } of versioned) {
    const other = seen.get(file.version);
    if (other) {
      findings.push({
        severity: 'error',
        message: `${other} and ${file.relative} have the same version ${file.version}`,
        file: entry.absolute,
      });
    }
    seen.set(file.version, file.relative);
  }
  if (base) {
    for (const finding of addedBelowBase(
      versioned.map((v) => v.file),
      base.filesAt(dir),
      base.ref,
    )) {
      finding.file = versioned.find((v) => finding.message.startsWith(`${v.file.id} `))?.entry.absolute;
      findings.push(finding);
    }
  }
  return { findings, note: plural(versioned.length, 'migration') };
}
