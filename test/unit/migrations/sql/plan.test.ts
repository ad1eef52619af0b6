import { expect, it } from 'vitest';
import type { Migration } from '../../../../src/migrations/migration.js';
import { codeFrame, lineAndColumn } from '../../../../src/migrations/sql/error-frame.js';
import type { HistoryRow } from '../../../../src/migrations/sql/history.js';
import { substitutePlaceholders } from '../../../../src/migrations/sql/placeholders.js';
import { isUpToDate, planTarget } from '../../../../src/migrations/sql/plan.js';
import { selectRollback } from '../../../../src/migrations/sql/rollback.js';

const migration = (version: number, checksum = `c${version}`): Migration => ({
  version: BigInt(version),
  id: `${version}_m`,
  name: 'm',
  format: 'ordered',
  up: { file: `/m/${version}_m.sql`, sql: '', lineOffset: 0, noTransaction: false },
  down: undefined,
  checksum,
});
const row = (version: number, extra: Partial<HistoryRow> = {}): HistoryRow => ({
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
  ...extra,
});

it('finds pending, changed, missing and out-of-order migrations', () => {
  const plan = planTarget(
    [migration(1), migration(2, 'other'), migration(3), migration(5)],
    [row(1), row(2), row(4), row(5)],
  );
  expect(plan.pending.map((m) => m.version)).toEqual([3n]);
  expect(plan.outOfOrder.map((m) => m.version)).toEqual([3n]);
  expect(plan.changed.map((c) => c.row.version)).toEqual([2n]);
  expect(plan.missing.map((r) => r.version)).toEqual([4n]);
  expect(isUpToDate(plan)).toBe(false);
});

it('retries a failed transactional migration, blocks a failed non-transactional one', () => {
  const retry = planTarget([migration(1)], [row(1, { success: false })]);
  expect(retry.pending.map((m) => m.version)).toEqual([1n]);
  const blocked = planTarget([migration(1)], [row(1, { success: false, transactional: false, statement: 2 })]);
  expect(blocked.pending).toEqual([]);
  expect(blocked.blocked).toHaveLength(1);
  expect(isUpToDate(blocked)).toBe(false);
});

it('is up to date when every file is applied unchanged', () => {
  expect(isUpToDate(planTarget([migration(1), migration(2)], [row(1), row(2)]))).toBe(true);
});

it('maps positions through placeholder substitution back to the original text', () => {
  const sql = 'create table ${schema}.t (x int);\nselect nope;';
  const sub = substitutePlaceholders(sql, { schema: 'tenant_acme', tenant: 'acme' });
  expect(sub.text).toBe('create table "tenant_acme".t (x int);\nselect nope;');
  const index = sub.text.indexOf('nope');
  expect(sub.toOriginal(index)).toBe(sql.indexOf('nope'));
});

it('chooses what to roll back by steps or by target version', () => {
  const applied = [1, 2, 3, 4].map((v) => ({ version: BigInt(v), name: `${v}` }));
  expect(selectRollback(applied, { steps: 2 }).map((m) => m.name)).toEqual(['4', '3']);
  expect(selectRollback(applied, { to: 1n }).map((m) => m.name)).toEqual(['4', '3', '2']);
});

it('draws a code frame with a caret under the column', () => {
  const text = 'select 1;\nselect 2;\nselect nope from t;';
  const at = lineAndColumn(text, text.indexOf('nope'));
  expect(at).toEqual({ line: 3, column: 8 });
  const frame = codeFrame({ file: '/x/0001_a.sql', fileText: text, ...at }, '/x');
  expect(frame).toEqual([
    '0001_a.sql:3:8',
    '  1 | select 1;',
    '  2 | select 2;',
    '> 3 | select nope from t;',
    '    |        ^',
  ]);
});

it('lists applied migrations by version as a number, whatever order the history rows came in', () => {
  const plan = planTarget(
    [1, 2, 10, 11].map((v) => migration(v)),
    [row(1), row(10), row(11), row(2)],
  );
  expect(plan.applied.map((a) => a.row.version)).toEqual([1n, 2n, 10n, 11n]);
});

it('pairs files with rows by version, sorted or not: the same plan either way', () => {
  // Sorted lists are paired by one merge, others by lookup: both must find the same pairs.
  const files = [1, 2, 3, 5, 10].map((v) => migration(v, v === 3 ? 'edited' : `c${v}`));
  const history = [row(1), row(3), row(4), row(10, { success: false, transactional: false })];
  const sorted = planTarget(files, history);
  expect(sorted.applied.map((a) => a.migration?.version)).toEqual([1n]);
  expect(sorted.changed.map((c) => c.migration.version)).toEqual([3n]);
  expect(sorted.missing.map((r) => r.version)).toEqual([4n]);
  expect(sorted.blocked.map((b) => b.migration?.version)).toEqual([10n]);
  expect(sorted.pending.map((m) => m.version)).toEqual([2n, 5n]);
  const shuffled = planTarget(
    [files[3], files[0], files[4], files[2], files[1]] as Migration[],
    [...history].reverse(),
  );
  expect(shuffled.applied).toEqual(sorted.applied);
  expect(shuffled.changed).toEqual(sorted.changed);
  expect(shuffled.missing).toEqual(sorted.missing);
  expect(shuffled.blocked).toEqual(sorted.blocked);
  expect(shuffled.pending.map((m) => m.version).sort()).toEqual([2n, 5n]);
});
