import { describe, expect, it } from 'vitest';
import { AlembicGraph, type AlembicRevision } from '../../../src/migrations/tools/alembic.js';
import { alembicSqlRange, planAlembicDowngrade } from '../../../src/migrations/tools/alembic-plan.js';

const rev = (revision: string, ...downRevisions: string[]): AlembicRevision => ({
  revision,
  downRevisions,
  file: `${revision}_x.py`,
});
// r1 <- ra, r1 <- rb, (ra, rb) <- rm <- r5: a merge, the shape `alembic merge heads` leaves.
const merged = new AlembicGraph([rev('r1'), rev('ra', 'r1'), rev('rb', 'r1'), rev('rm', 'ra', 'rb'), rev('r5', 'rm')]);
const linear = new AlembicGraph([rev('0001'), rev('0002', '0001'), rev('0003', '0002')]);

describe('planAlembicDowngrade', () => {
  it('steps down a linear history, to base at most', () => {
    expect(planAlembicDowngrade(linear, ['0003'], { steps: 1, to: undefined }, 's')).toEqual({
      revision: '0002',
      rolledBack: ['0003'],
    });
    expect(planAlembicDowngrade(linear, ['0003'], { steps: 2, to: undefined }, 's')).toEqual({
      revision: '0001',
      rolledBack: ['0003', '0002'],
    });
    expect(planAlembicDowngrade(linear, ['0002'], { steps: 5, to: undefined }, 's')).toEqual({
      revision: 'base',
      rolledBack: ['0002', '0001'],
    });
    expect(planAlembicDowngrade(linear, [], { steps: 1, to: undefined }, 's').rolledBack).toEqual([]);
  });

  it('goes back to a named revision or base, undoing only what descends from it', () => {
    expect(planAlembicDowngrade(linear, ['0003'], { steps: 1, to: '0001' }, 's').rolledBack).toEqual(['0003', '0002']);
    expect(planAlembicDowngrade(linear, ['0003'], { steps: 1, to: 'base' }, 's').rolledBack).toEqual([
      '0003',
      '0002',
      '0001',
    ]);
    // Not applied here: nothing to undo for this tenant.
    expect(planAlembicDowngrade(linear, ['0001'], { steps: 1, to: '0002' }, 's').rolledBack).toEqual([]);
    // As alembic does: going back to one branch keeps the other branch applied.
    expect(planAlembicDowngrade(merged, ['r5'], { steps: 1, to: 'ra' }, 's')).toEqual({
      revision: 'ra',
      rolledBack: ['r5', 'rm'],
    });
  });

  it('undoes a merge revision alone, and refuses to guess a branch below it', () => {
    expect(planAlembicDowngrade(merged, ['rm'], { steps: 1, to: undefined }, 's')).toEqual({
      revision: 'ra',
      rolledBack: ['rm'],
    });
    expect(() => planAlembicDowngrade(merged, ['r5'], { steps: 3, to: undefined }, 's')).toThrow(
      /--steps 3 would step below the merge revision rm of s \(it joins ra, rb\)/,
    );
    expect(() => planAlembicDowngrade(merged, ['ra', 'rb'], { steps: 1, to: undefined }, 's')).toThrow(
      /s is at several revisions \(ra, rb\)/,
    );
  });

  it('says which revision has no file, and which revisions exist', () => {
    expect(() => planAlembicDowngrade(linear, ['0009'], { steps: 1, to: undefined }, 'auth_acme')).toThrow(
      /auth_acme\.alembic_version names 0009, which no revision file defines/,
    );
    expect(() => planAlembicDowngrade(linear, ['0003'], { steps: 1, to: 'nope' }, 's')).toThrow(
      /--to nope: no revision file defines that revision/,
    );
  });
});

describe('AlembicGraph', () => {
  it('names its heads when there are several', () => {
    const forked = new AlembicGraph([rev('r1'), rev('ra', 'r1'), rev('rb', 'r1')]);
    expect(forked.headsProblem()).toBe('several heads: ra, rb (join them with `alembic merge heads`)');
    expect(merged.headsProblem()).toBeUndefined();
    expect([...merged.descendants('ra')].sort()).toEqual(['r5', 'rm']);
  });
});

describe('alembicSqlRange', () => {
  it('starts from the current revision, or from nothing', () => {
    expect(alembicSqlRange(['0002'], 's')).toBe('0002:head');
    expect(alembicSqlRange([], 's')).toBe('head');
    expect(() => alembicSqlRange(['ra', 'rb'], 's')).toThrow(/several revisions/);
  });
});
