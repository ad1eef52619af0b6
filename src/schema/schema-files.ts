import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';

/** Every file `devup schema` writes says so in its first lines; only those are ever removed. */
const GENERATED_MARK = /written by `devup schema`/i;

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Whether a file's first lines carry devup's mark (only such files are ever replaced or removed). */
export function isGenerated(content: string | undefined): boolean {
  return content !== undefined && GENERATED_MARK.test(content.slice(0, 400));
}

/**
 * Files of the new set that exist in `dir` without devup's mark: someone else's (a hand-written
 * README.md, or schema.dir pointed at the project root). devup overwrites none of them.
 */
function foreignFiles(dir: string, files: ReadonlyMap<string, string>): string[] {
  return [...files.keys()].filter((name) => {
    const content = readIfExists(path.join(dir, name));
    return content !== undefined && !isGenerated(content);
  });
}

/** Generated files in `dir` that the new set no longer has (a service removed or excluded). */
function staleFiles(dir: string, files: ReadonlyMap<string, string>): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((name) => /\.(sql|md)$/.test(name) && !files.has(name))
    .filter((name) => isGenerated(readIfExists(path.join(dir, name))))
    .sort();
}

export interface SchemaDocsWrite {
  written: string[];
  unchanged: string[];
  removed: string[];
}

/**
 * Writes the files that changed (each atomically, so an interrupted run leaves no half file) and,
 * unless `partial`, removes generated files that no service produces any more.
 */
export function writeSchemaDocs(
  dir: string,
  files: ReadonlyMap<string, string>,
  options: { partial?: boolean } = {},
): SchemaDocsWrite {
  const result: SchemaDocsWrite = { written: [], unchanged: [], removed: [] };
  const foreign = foreignFiles(dir, files);
  if (foreign.length > 0) {
    // Checked before anything is written: all or nothing.
    throw new UserError(
      `schema.dir ${dir}: ${foreign.join(', ')} ${foreign.length === 1 ? 'was' : 'were'} not written by devup, so devup writes nothing there`,
      {
        hint: 'Point schema.dir at a directory of its own (the default is docs/database), or move those files away: devup only replaces files whose first lines say "written by `devup schema`".',
      },
    );
  }
  try {
    mkdirSync(dir, { recursive: true });
    for (const [name, content] of files) {
      const file = path.join(dir, name);
      if (readIfExists(file) === content) {
        result.unchanged.push(name);
        continue;
      }
      writeFileSync(`${file}.tmp`, content);
      renameSync(`${file}.tmp`, file);
      result.written.push(name);
    }
    if (!options.partial) {
      for (const name of staleFiles(dir, files)) {
        rmSync(path.join(dir, name));
        result.removed.push(name);
      }
    }
  } catch (error) {
    throw new UserError(`cannot write the schema docs in ${dir}: ${(error as Error).message}`, {
      hint: 'Check that schema.dir is a directory you can write to.',
      cause: error,
    });
  }
  return result;
}

/** A committed file that differs from what `devup schema` would write now. */
export interface SchemaDocDifference {
  file: string;
  /** What `devup schema` would write; undefined when the file should no longer exist. */
  expected: string | undefined;
  /** What is committed; undefined when the file is missing. */
  actual: string | undefined;
}

/** Compares freshly rendered files with `dir` (for `devup check`): missing, changed and stale files. */
export function diffSchemaDocs(dir: string, files: ReadonlyMap<string, string>): SchemaDocDifference[] {
  const differences: SchemaDocDifference[] = [];
  for (const [file, expected] of files) {
    const actual = readIfExists(path.join(dir, file));
    if (actual !== expected) differences.push({ file, expected, actual });
  }
  for (const file of staleFiles(dir, files)) {
    differences.push({ file, expected: undefined, actual: readIfExists(path.join(dir, file)) });
  }
  return differences;
}

/** One line for what changed, e.g. "docs/database: wrote auth.sql, auth.md (5 unchanged)". */
export function describeSchemaWrite(dir: string, result: SchemaDocsWrite): string {
  const parts = [
    result.written.length > 0 ? `wrote ${result.written.join(', ')}` : '',
    result.removed.length > 0 ? `removed ${result.removed.join(', ')}` : '',
  ].filter(Boolean);
  const unchanged = result.unchanged.length > 0 ? ` (${result.unchanged.length} unchanged)` : '';
  return `${dir || '.'}: ${parts.length > 0 ? parts.join('; ') : 'up to date'}${unchanged}`;
}
