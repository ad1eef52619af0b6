import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CheckSettings } from '../../config/types.js';
import type { SqlSection } from '../../migrations/migration.js';
import type { Finding } from '../check-report.js';
import { runSquawk, type SquawkFinding } from './squawk.js';

/** `-- devup:lint-ignore require-concurrent-index-creation, ban-drop-column` anywhere in a file. */
const IGNORE_COMMENT = /--[ \t]*devup:lint-ignore[ \t]+([a-z0-9_, \t-]+)/g;

export function ignoredInFile(text: string): Set<string> {
  const rules = new Set<string>();
  for (const match of text.matchAll(IGNORE_COMMENT)) {
    for (const rule of (match[1] ?? '').split(/[\s,]+/)) if (rule) rules.add(rule);
  }
  return rules;
}

/**
 * The text squawk sees for a section: the file with every line outside the section blanked (so
 * line numbers stay those of the file) and `${schema}` / `${tenant}` made into identifiers.
 */
export function lintableText(fileText: string, section: SqlSection): string {
  const lines = fileText.replace(/\r\n?/g, '\n').split('\n');
  const count = section.sql.split('\n').length;
  return lines
    .map((line, index) => (index >= section.lineOffset && index < section.lineOffset + count ? line : ''))
    .join('\n')
    .replace(/\$\{(schema|tenant)\}/g, '"$1"');
}

/** squawk findings kept after the ignores, as check findings that fail or warn per `check.lint.warn`. */
export function toLintFindings(
  found: readonly SquawkFinding[],
  file: string,
  fileIgnores: ReadonlySet<string>,
  settings: CheckSettings['lint'],
): Finding[] {
  const ignored = new Set([...settings.ignore, ...fileIgnores]);
  const warnOnly = new Set(settings.warn);
  const findings: Finding[] = [];
  // squawk's parser is not Postgres's: one notice per file is enough, and the apply step judges the SQL.
  const syntax = found.find((f) => f.rule === 'syntax-error');
  if (syntax && !ignored.has('syntax-error')) {
    findings.push({
      severity: 'warning',
      message: `squawk could not parse this file (${syntax.message}); it was not linted past that point`,
      file,
      line: syntax.line,
      rule: 'syntax-error',
    });
  }
  for (const f of found) {
    if (f.rule === 'syntax-error' || ignored.has(f.rule)) continue;
    findings.push({
      severity: warnOnly.has('*') || warnOnly.has(f.rule) ? 'warning' : 'error',
      message: `${f.rule}: ${f.message}`,
      file,
      line: f.line,
      rule: f.rule,
      details: f.help ? [`  help: ${f.help}`] : [],
    });
  }
  return findings;
}

/**
 * Lints up sections with squawk: one squawk run for those that run in a transaction and one
 * for those that do not (so squawk judges CONCURRENTLY and rerunnability correctly).
 */
export async function lintSections(
  sections: readonly SqlSection[],
  settings: CheckSettings['lint'],
  options: { pgVersion?: string | undefined } = {},
): Promise<Finding[]> {
  if (sections.length === 0) return [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devup-lint-'));
  try {
    const copies = sections.map((section, index) => {
      const text = readFileSync(section.file, 'utf8');
      const copy = path.join(dir, `${index}-${path.basename(section.file)}`);
      writeFileSync(copy, lintableText(text, section));
      return { section, copy, ignores: ignoredInFile(text) };
    });
    const [inTransaction, outside] = await Promise.all(
      [false, true].map((noTransaction) =>
        runSquawk(
          copies.filter((c) => c.section.noTransaction === noTransaction).map((c) => c.copy),
          { inTransaction: !noTransaction, pgVersion: options.pgVersion },
        ),
      ),
    );
    const found = [...(inTransaction ?? []), ...(outside ?? [])];
    return copies.flatMap((c) =>
      toLintFindings(
        found.filter((f) => f.file === c.copy),
        c.section.file,
        c.ignores,
        settings,
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
