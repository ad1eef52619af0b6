import { describe, expect, it } from 'vitest';
import { ChangeDebouncer, isEditorScratchFile } from '../../../src/services/change-debouncer.js';
import { isIgnoredChange, servicesOfPath } from '../../../src/services/migration-watcher.js';
import { ManualClock } from '../../helpers/manual-clock.js';

function debouncer(clock: ManualClock) {
  const flushed: string[][] = [];
  const d = new ChangeDebouncer<string>({ quietMs: 150, clock, flush: (keys) => flushed.push(keys) });
  return { d, flushed };
}

describe('ChangeDebouncer', () => {
  it('flushes once the changes have been quiet for the whole period, with every key seen', async () => {
    const clock = new ManualClock();
    const { d, flushed } = debouncer(clock);
    d.add('auth');
    await clock.advance(100);
    d.add('workflow');
    d.add('auth');
    await clock.advance(100);
    expect(flushed).toEqual([]);
    await clock.advance(50);
    expect(flushed).toEqual([['auth', 'workflow']]);
  });

  it('starts afresh after a flush', async () => {
    const clock = new ManualClock();
    const { d, flushed } = debouncer(clock);
    d.add('auth');
    await clock.advance(150);
    d.add('ingestion');
    await clock.advance(149);
    expect(flushed).toEqual([['auth']]);
    await clock.advance(1);
    expect(flushed).toEqual([['auth'], ['ingestion']]);
  });

  it('flushes nothing after close', async () => {
    const clock = new ManualClock();
    const { d, flushed } = debouncer(clock);
    d.add('auth');
    d.close();
    d.add('auth');
    await clock.advance(1_000);
    expect(flushed).toEqual([]);
  });
});

describe('which changes count', () => {
  it('ignores what editors write beside the real file', () => {
    const scratch = [
      '.0007_x.sql.swp',
      '0007_x.sql.swo',
      '0007_x.sql~',
      '4913',
      '#0007_x.sql#',
      '.#0007_x.sql',
      '0007_x.sql.tmp',
      '0007_x.sql___jb_tmp___',
      '.DS_Store',
    ];
    for (const name of scratch) expect(isEditorScratchFile(`/p/migrations/${name}`), name).toBe(true);
    for (const name of ['0007_x.sql', '0007_x.up.sql', 'versions/abc_add.py', 'V2__x.sql', '20240101_x.sql']) {
      expect(isEditorScratchFile(`/p/migrations/${name}`), name).toBe(false);
    }
  });

  it('never ignores a watched directory itself, even a dotted one', () => {
    const dirs = [{ service: 'auth', dir: '/p/.migrations' }];
    expect(isIgnoredChange(dirs, '/p/.migrations')).toBe(false);
    expect(isIgnoredChange(dirs, '/p/.migrations/.x.swp')).toBe(true);
  });

  it("ignores what a tool run writes there (Alembic's __pycache__), not a migration beside it", () => {
    const dirs = [{ service: 'billing', dir: '/p/billing/alembic/versions' }];
    expect(isIgnoredChange(dirs, '/p/billing/alembic/versions/__pycache__')).toBe(true);
    expect(isIgnoredChange(dirs, '/p/billing/alembic/versions/__pycache__/0004.cpython-311.pyc')).toBe(true);
    expect(isIgnoredChange(dirs, '/p/billing/alembic/versions/0004_account_note.py')).toBe(false);
  });

  it('names the services of the deepest directory holding the file', () => {
    const dirs = [
      { service: 'auth', dir: '/p/auth/migrations' },
      { service: 'nested', dir: '/p/auth/migrations/extra' },
      { service: 'twin', dir: '/p/auth/migrations/extra' },
    ];
    expect(servicesOfPath(dirs, '/p/auth/migrations/sub/0007.sql')).toEqual(['auth']);
    expect(servicesOfPath(dirs, '/p/auth/migrations/extra/1.sql')).toEqual(['nested', 'twin']);
    expect(servicesOfPath(dirs, '/p/auth/migrations-old/1.sql')).toEqual([]);
  });
});
