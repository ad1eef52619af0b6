import { describe, expect, it } from 'vitest';
import { addedBelowBase, alembicConflicts, versionedFile } from '../../../src/check/conflicts.js';

describe('versionedFile', () => {
  it('reads the version and id of every layout devup and the tools use', () => {
    expect(versionedFile('0007_refunds.sql')).toEqual({
      version: 7n,
      id: '0007_refunds',
      relative: '0007_refunds.sql',
    });
    expect(versionedFile('0007_refunds.up.sql')?.id).toBe('0007_refunds');
    expect(versionedFile('0007_refunds.down.sql')).toBeUndefined();
    expect(versionedFile('2025-01-01-120000_x/up.sql')).toMatchObject({
      version: 20250101120000n,
      id: '2025-01-01-120000_x',
    });
    expect(versionedFile('2025-01-01-120000_x/down.sql')).toBeUndefined();
    expect(versionedFile('V1_2__add.sql')?.version).toBe(12n);
    expect(versionedFile('README.md')).toBeUndefined();
  });
});

describe('addedBelowBase', () => {
  const base = new Set(['0001_orders.sql', '0010_refunds.sql', '0010_refunds.down.sql']);
  const files = (...names: string[]) => names.map((n) => versionedFile(n)).filter((f) => f !== undefined);

  it("names a migration added under the base's newest, and that newest", () => {
    const findings = addedBelowBase(files('0001_orders.sql', '0005_notes.sql', '0010_refunds.sql'), base, 'main');
    expect(findings.map((f) => f.message)).toEqual([
      "0005_notes was added below main's newest migration (0010_refunds)",
    ]);
  });

  it('accepts migrations added above it, and files the base already had', () => {
    expect(addedBelowBase(files('0001_orders.sql', '0010_refunds.sql', '0011_x.sql'), base, 'main')).toEqual([]);
    expect(addedBelowBase(files('0005_x.sql'), new Set(), 'main')).toEqual([]);
  });
});

describe('alembicConflicts', () => {
  const rev = (revision: string, ...downRevisions: string[]) => ({ revision, downRevisions, file: `${revision}.py` });

  it('a linear history has none', () => {
    expect(alembicConflicts([rev('a'), rev('b', 'a'), rev('c', 'b')])).toEqual([]);
  });

  it('names both revisions of an unmerged branch point', () => {
    const findings = alembicConflicts([rev('a'), rev('b', 'a'), rev('c', 'a')]);
    expect(findings.map((f) => f.message)).toEqual([
      'revisions b (b.py) and c (c.py) both revise a, and no merge revision joins them',
    ]);
  });

  it('a merge revision joins them', () => {
    expect(alembicConflicts([rev('a'), rev('b', 'a'), rev('c', 'a'), rev('m', 'b', 'c')])).toEqual([]);
  });

  it('two bases make two heads; a revision id used twice is named with both files', () => {
    expect(alembicConflicts([rev('a'), rev('x')]).map((f) => f.message)).toEqual([
      'multiple heads: a (a.py) and x (x.py)',
    ]);
    const twice = alembicConflicts([rev('a'), { revision: 'a', downRevisions: [], file: 'other.py' }]);
    expect(twice[0]?.message).toBe('revision a is defined twice: a.py and other.py');
  });
});
