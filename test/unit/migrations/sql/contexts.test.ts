import { expect, it } from 'vitest';
import type { Migration } from '../../../../src/migrations/migration.js';
import { parseContexts, runsInContext } from '../../../../src/migrations/sql/contexts.js';
import type { HistoryRow } from '../../../../src/migrations/sql/history.js';
import { planTarget } from '../../../../src/migrations/sql/plan.js';

const migration = (version: number, contexts?: string[]): Migration => ({
  version: BigInt(version),
  id: `${version}_m`,
  name: 'm',
  format: 'ordered',
  up: { file: `/m/${version}_m.sql`, sql: '', lineOffset: 0, noTransaction: false },
  down: undefined,
  checksum: `c${version}`,
  contexts,
});
const row = (version: number): HistoryRow => ({
  version: BigInt(version),
  name: `${version}_m`,
  checksum: `c${version}`,
  appliedAt: new Date(0),
  executionMs: 1,
  success: true,
  transactional: true,
  error: null,
  statement: null,
  appliedBy: 'me',
});

it('reads -- devup:context from the leading comments, not from further down', () => {
  expect(parseContexts('a.sql', '-- seed data\n-- devup:context dev, test\ninsert into t values (1);')).toEqual([
    'dev',
    'test',
  ]);
  expect(parseContexts('a.sql', '\n--devup:context: production\nselect 1;')).toEqual(['production']);
  expect(parseContexts('a.sql', 'select 1;\n-- devup:context dev\n')).toBeUndefined();
  expect(parseContexts('a.sql', '-- devup:contexts dev\nselect 1;')).toBeUndefined();
});

it('refuses a marker without a context or with a bad name, naming the file and line', () => {
  expect(() => parseContexts('m/0001_a.sql', '-- x\n-- devup:context\nselect 1;')).toThrow(
    /m\/0001_a\.sql:2: -- devup:context names no context/,
  );
  expect(() => parseContexts('m/0001_a.sql', '-- devup:context dev;drop\n')).toThrow(/not a context name: dev;drop/);
});

it('a migration without contexts runs in every context; one with contexts only in those', () => {
  expect(runsInContext(undefined, ['production'])).toBe(true);
  expect(runsInContext(['dev', 'test'], ['test'])).toBe(true);
  expect(runsInContext(['dev'], ['production'])).toBe(false);
  expect(runsInContext(['dev'], undefined)).toBe(true);
});

it('plans a migration of another context as skipped, and an applied one stays applied', () => {
  const files = [migration(1), migration(2, ['dev']), migration(3)];
  const production = planTarget(files, [row(1)], ['production']);
  expect(production.pending.map((m) => m.version)).toEqual([3n]);
  expect(production.skipped.map((m) => m.version)).toEqual([2n]);
  const applied = planTarget(files, [row(1), row(2), row(3)], ['production']);
  expect(applied.applied.map((a) => a.row.version)).toEqual([1n, 2n, 3n]);
  expect(applied.skipped).toEqual([]);
});

it('a context migration skipped earlier is pending in its context, not out of order', () => {
  const plan = planTarget([migration(1), migration(2, ['dev']), migration(3)], [row(1), row(3)], ['dev']);
  expect(plan.pending.map((m) => m.version)).toEqual([2n]);
  expect(plan.outOfOrder).toEqual([]);
});
