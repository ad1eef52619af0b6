import { describe, expect, it } from 'vitest';
import { checkReportJson, githubAnnotations, renderCheckReport } from '../../../src/check/check-output.js';
import type { CheckReport } from '../../../src/check/check-report.js';
import { describeDifference } from '../../../src/check/reversibility.js';
import { Output } from '../../../src/ui/output.js';

const report: CheckReport = {
  ok: false,
  engine: 'embedded',
  database: 'embedded Postgres on 127.0.0.1:5555',
  base: 'main',
  results: [
    { service: 'orders', check: 'conflicts', status: 'pass', note: '2 migrations', findings: [], ms: 1 },
    {
      service: 'orders',
      check: 'lint',
      status: 'fail',
      note: '1 file added since main',
      findings: [
        {
          severity: 'error',
          message: 'ban-drop-column: Dropping a column may break existing clients.',
          file: '/repo/svc/migrations/0002_x.sql',
          line: 4,
          rule: 'ban-drop-column',
          details: ['  help: a, b: 100%'],
        },
      ],
      ms: 2,
    },
    { service: 'users', check: 'schema', status: 'skip', note: 'not available', findings: [], ms: 0 },
  ],
  summary: { passed: 1, failed: 1, warned: 0, skipped: 1 },
  ms: 1234,
};

describe('githubAnnotations', () => {
  it('one workflow command per finding, with the file relative to the workspace and escaped text', () => {
    expect(githubAnnotations(report, '/repo')).toEqual([
      '::error file=svc/migrations/0002_x.sql,line=4,title=devup check%3A orders lint::ban-drop-column: Dropping a column may break existing clients.%0Ahelp: a, b: 100%25',
    ]);
  });
});

describe('renderCheckReport', () => {
  it('a line per check per service, findings under it, then the summary', () => {
    const lines: string[] = [];
    renderCheckReport(report, new Output('plain', (t) => lines.push(t)), '/repo');
    expect(lines.join('')).toBe(
      [
        '✔ orders  conflicts     2 migrations',
        '✖ orders  lint          1 file added since main',
        '    error svc/migrations/0002_x.sql:4: ban-drop-column: Dropping a column may break existing clients.',
        '      help: a, b: 100%',
        '- users   schema        not available',
        '',
        '✖ devup check: 1 passed, 1 failed, 1 skipped (1.23 s)',
        '',
      ].join('\n'),
    );
  });
});

describe('checkReportJson', () => {
  it('one object, file paths relative to the project', () => {
    const json = checkReportJson(report, '/repo') as { results: { findings: { file?: string }[] }[] };
    expect(json.results[1]?.findings[0]?.file).toBe('svc/migrations/0002_x.sql');
    expect(JSON.parse(JSON.stringify(json))).toMatchObject({ ok: false, summary: { failed: 1 } });
  });
});

describe('describeDifference', () => {
  it('says what a down left behind, took away or changed', () => {
    expect(describeDifference({ key: 'column orders.note', change: 'added', actual: 'text' }, 'down')).toBe(
      'column orders.note still exists after down',
    );
    expect(describeDifference({ key: 'table orders', change: 'removed', expected: '' }, 'down')).toBe(
      'table orders is gone after down (it existed before the migration)',
    );
    expect(
      describeDifference(
        { key: 'column orders.total', change: 'changed', expected: 'numeric', actual: 'integer' },
        'reapply',
      ),
    ).toBe('column orders.total differs after up → down → up: numeric → integer');
  });
});
