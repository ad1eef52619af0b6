import type { AlembicRevision } from './alembic.js';

/** `def upgrade(...) -> None:` at the top level of a revision file. */
const UPGRADE_DEF = /^def upgrade\s*\([^)]*\)[^:\n]*:[ \t]*(?:#.*)?$/m;

/**
 * Whether a revision's upgrade() still does nothing: its body is only `pass`, a docstring,
 * comments and blank lines, as `alembic revision` writes it. A file without a plain top-level
 * upgrade() is not judged (false). Read as text: a revision is never imported to decide this.
 */
export function hasEmptyUpgrade(source: string): boolean {
  const match = UPGRADE_DEF.exec(source);
  if (!match) return false;
  const lines = source
    .slice(match.index + match[0].length)
    .split(/\r?\n/)
    .slice(1);
  const body: string[] = [];
  for (const line of lines) {
    // The body ends at the first line that starts at column 0 (the next top-level statement).
    if (line.trim() !== '' && !/^\s/.test(line)) break;
    body.push(line);
  }
  const code = body
    .join('\n')
    .replace(/("""|''')[\s\S]*?\1/g, '')
    .replace(/#.*$/gm, '')
    .replace(/\bpass\b/g, '');
  return code.trim() === '';
}

/** A merge revision joins heads and has nothing to do by design: never "still empty". */
export function isUnwrittenRevision(revision: AlembicRevision, source: string): boolean {
  return revision.downRevisions.length <= 1 && hasEmptyUpgrade(source);
}
