import { describe, expect, it } from 'vitest';
import { ignoredInFile, lintableText, toLintFindings } from '../../../src/check/lint/lint.js';
import type { SquawkFinding } from '../../../src/check/lint/squawk.js';

describe('ignoredInFile', () => {
  it('collects the rules of every devup:lint-ignore comment', () => {
    const text =
      '-- devup:lint-ignore ban-drop-column\nalter table t drop column c;\n--devup:lint-ignore a-rule, other-rule\n';
    expect([...ignoredInFile(text)]).toEqual(['ban-drop-column', 'a-rule', 'other-rule']);
  });
});

describe('lintableText', () => {
  it('keeps the line numbers of the file and blanks what is outside the section', () => {
    const file = '-- migrate:up\ncreate table ${schema}.t (id int);\n\n-- migrate:down\ndrop table t;\n';
    const text = lintableText(file, {
      file: 'x.sql',
      sql: 'create table ${schema}.t (id int);\n',
      lineOffset: 1,
      noTransaction: false,
    });
    expect(text.split('\n')).toEqual(['', 'create table "schema".t (id int);', '', '', '', '']);
  });
});

describe('toLintFindings', () => {
  const found = (rule: string, line = 3): SquawkFinding => ({
    file: 'copy',
    line,
    column: 1,
    rule,
    message: `msg ${rule}`,
    help: `help ${rule}`,
  });
  const settings = { ignore: ['ignored-globally'], warn: ['prefer-robust-stmts'] };

  it('fails on rules not listed as warnings, warns on the listed ones, drops ignored ones', () => {
    const findings = toLintFindings(
      [found('adding-required-field'), found('prefer-robust-stmts'), found('ignored-globally'), found('ignored-here')],
      '/p/0001.sql',
      new Set(['ignored-here']),
      settings,
    );
    expect(findings).toEqual([
      {
        severity: 'error',
        message: 'adding-required-field: msg adding-required-field',
        file: '/p/0001.sql',
        line: 3,
        rule: 'adding-required-field',
        details: ['  help: help adding-required-field'],
      },
      {
        severity: 'warning',
        message: 'prefer-robust-stmts: msg prefer-robust-stmts',
        file: '/p/0001.sql',
        line: 3,
        rule: 'prefer-robust-stmts',
        details: ['  help: help prefer-robust-stmts'],
      },
    ]);
  });

  it('"*" makes every rule a warning; a squawk parse error is one warning per file', () => {
    const findings = toLintFindings(
      [found('syntax-error', 1), found('syntax-error', 2), found('ban-drop-table')],
      '/p/x.sql',
      new Set(),
      {
        ignore: [],
        warn: ['*'],
      },
    );
    expect(findings.map((f) => [f.rule, f.severity])).toEqual([
      ['syntax-error', 'warning'],
      ['ban-drop-table', 'warning'],
    ]);
  });
});
