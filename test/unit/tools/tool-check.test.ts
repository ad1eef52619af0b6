import { describe, expect, it } from 'vitest';
import { alembic } from '../../../src/migrations/tools/alembic.js';
import { commandTool } from '../../../src/migrations/tools/command-tool.js';
import type { ToolFingerprint } from '../../../src/migrations/tools/fingerprint-store.js';
import { liquibase } from '../../../src/migrations/tools/liquibase.js';
import type { MigrationSet } from '../../../src/migrations/tools/tool-adapter.js';
import { appliedBetween, currentFingerprint, decideToolCheck } from '../../../src/migrations/tools/tool-check.js';
import type { ToolFiles } from '../../../src/migrations/tools/tool-files.js';

// A chain a -> b, the way alembic's graph reports it.
const chain: MigrationSet = {
  ids: ['a', 'b'],
  status: (rows) => {
    const head = rows[0]?.id;
    return { pending: head === 'b' ? [] : head === 'a' ? ['b'] : ['a', 'b'] };
  },
  applied: (rows) => (rows[0]?.id === 'b' ? ['a', 'b'] : rows[0]?.id === 'a' ? ['a'] : []),
  label: (id) => id,
};
const files = (set: MigrationSet | undefined, hash = 'files-1'): ToolFiles => ({
  migrationsDir: '/m',
  hash,
  set,
  problem: undefined,
});
const recorded = (over: Partial<ToolFingerprint> = {}): ToolFingerprint => ({
  tool: 'alembic',
  files: 'files-1',
  history: '',
  identity: 'cluster:1:2',
  recordedAt: 'then',
  ...over,
});

describe('decideToolCheck', () => {
  const applied = { identity: 'cluster:1:2', rows: [{ id: 'b' }] };

  it('is up to date when the history matches the files and the recorded fingerprint', () => {
    expect(decideToolCheck(alembic, files(chain), applied, recorded())).toEqual({ upToDate: true, pending: [] });
  });

  it('lists what the history lacks', () => {
    expect(decideToolCheck(alembic, files(chain), { ...applied, rows: [{ id: 'a' }] }, recorded())).toEqual({
      upToDate: false,
      pending: ['b'],
    });
  });

  it('a missing history table means nothing was applied: the target is fresh (seed data may go there)', () => {
    expect(decideToolCheck(alembic, files(chain), { identity: '', rows: undefined }, recorded())).toEqual({
      upToDate: false,
      pending: ['a', 'b'],
      fresh: true,
    });
    expect(decideToolCheck(liquibase, files(undefined), { identity: '', rows: undefined }, undefined)).toEqual({
      upToDate: false,
      pending: ['(not applied yet)'],
      fresh: true,
    });
    expect(decideToolCheck(alembic, files(chain), { identity: '', rows: [{ id: 'a' }] }, recorded()).fresh).toBe(
      undefined,
    );
  });

  it('runs when devup never recorded a run, or the files or the database changed since', () => {
    expect(decideToolCheck(alembic, files(chain), applied, undefined).pending).toEqual(['(not run by devup yet)']);
    expect(decideToolCheck(alembic, files(chain, 'files-2'), applied, recorded()).pending).toEqual([
      '(migration files changed)',
    ]);
    expect(
      decideToolCheck(alembic, files(chain), { ...applied, identity: 'cluster:1:99' }, recorded()).pending,
    ).toEqual(['(database re-created)']);
  });

  it('files it cannot read mean run', () => {
    const broken: ToolFiles = { migrationsDir: '/m', hash: 'x', set: undefined, problem: 'a.py: no revision' };
    expect(decideToolCheck(alembic, broken, applied, recorded())).toEqual({
      upToDate: false,
      pending: ['(a.py: no revision)'],
    });
  });

  it('fingerprints the liquibase history, so a changed changelog table means run', () => {
    const state = { identity: 'c', rows: [{ id: '1', author: 'me', filename: 'x.xml', md5sum: '9:abc' }] };
    const fp = currentFingerprint(liquibase, files(undefined), state);
    expect(fp.history).not.toBe('');
    expect(decideToolCheck(liquibase, files(undefined), state, fp).upToDate).toBe(true);
    const changed = { ...state, rows: [{ ...state.rows[0], md5sum: '9:def' }] };
    expect(decideToolCheck(liquibase, files(undefined), changed, fp).pending).toEqual(['(history table changed)']);
  });

  it('decides a command by its fingerprint alone', () => {
    const state = { identity: 'c', rows: undefined };
    const fp = currentFingerprint(commandTool, files(undefined), state);
    expect(decideToolCheck(commandTool, files(undefined), state, fp).upToDate).toBe(true);
    expect(decideToolCheck(commandTool, files(undefined, 'other'), state, fp).upToDate).toBe(false);
  });
});

describe('appliedBetween', () => {
  it('keeps ids that were pending and are no longer, dropping "(why)" entries', () => {
    expect(appliedBetween({ upToDate: false, pending: ['a', 'b', 'c'] }, { upToDate: false, pending: ['c'] })).toEqual([
      'a',
      'b',
    ]);
    expect(
      appliedBetween({ upToDate: false, pending: ['(not applied yet)'] }, { upToDate: true, pending: [] }),
    ).toEqual([]);
  });
});
