import { CONTEXT_NAME } from '../../config/context-name.js';
import { UserError } from '../../errors.js';

const MARKER = /^--\s*devup:\s*context\b(.*)$/i;

/**
 * The contexts a SQL file declares with `-- devup:context dev,test` among its leading comment
 * lines (before the first statement), or undefined: it runs in every context. A marker further
 * down is ignored on purpose: a comment in the middle of a file is prose, not a setting.
 */
export function parseContexts(file: string, sql: string): string[] | undefined {
  const lines = sql.replace(/^\uFEFF/, '').split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    if (!line.startsWith('--')) return undefined;
    const match = MARKER.exec(line);
    if (match) return contextList(match[1] ?? '', `${file}:${index + 1}`);
  }
  return undefined;
}

function contextList(text: string, where: string): string[] {
  const names = text
    .replace(/^\s*:/, '')
    .split(/[\s,]+/)
    .filter(Boolean);
  const bad = names.filter((name) => !CONTEXT_NAME.test(name));
  if (names.length === 0 || bad.length > 0) {
    throw new UserError(
      `${where}: ${names.length === 0 ? '-- devup:context names no context' : `not a context name: ${bad.join(', ')}`}`,
      {
        hint: 'Write the contexts the file runs in, comma-separated: `-- devup:context dev,test` (letters, digits, _ . -); without the line it runs in every context.',
      },
    );
  }
  return [...new Set(names)];
}

/**
 * Whether a migration or seed declared for `declared` runs in a run of `run`. No declaration:
 * always. No run contexts (rollback, repair, a tool's own view): everything counts.
 */
export function runsInContext(declared: readonly string[] | undefined, run: readonly string[] | undefined): boolean {
  if (declared === undefined || run === undefined) return true;
  return declared.some((name) => run.includes(name));
}

/** `--context dev,test` or `migrations.context`: checked names, no duplicates. */
export function parseContextFlag(value: string, where: string): string[] {
  return contextList(value, where);
}
