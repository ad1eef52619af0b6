import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readDirState, SettleQueue } from '../../../src/services/settled-files.js';
import { ManualClock } from '../../helpers/manual-clock.js';

function queue(clock: ManualClock, states: Map<string, string>) {
  const ready: string[][] = [];
  const q = new SettleQueue<string>({
    settleMs: 2000,
    clock,
    read: (key) => states.get(key) ?? '',
    ready: (keys) => ready.push(keys),
  });
  return { q, ready };
}

describe('SettleQueue', () => {
  it('hands a key on once two reads settleMs apart agree', async () => {
    const clock = new ManualClock();
    const states = new Map([['auth', 'a']]);
    const { q, ready } = queue(clock, states);
    q.add(['auth']);
    await clock.advance(1999);
    expect(ready).toEqual([]);
    await clock.advance(1);
    expect(ready).toEqual([['auth']]);
  });

  it('a file still being written (second half 1.2 s later) waits another round, then goes whole', async () => {
    const clock = new ManualClock();
    const states = new Map([
      ['auth', 'first half'],
      ['billing', 'b'],
    ]);
    const { q, ready } = queue(clock, states);
    q.add(['auth', 'billing']);
    await clock.advance(1200);
    states.set('auth', 'whole file');
    await clock.advance(800);
    expect(ready).toEqual([['billing']]);
    await clock.advance(2000);
    expect(ready).toEqual([['billing'], ['auth']]);
  });

  it('a key added again during its round waits for the next one; close drops what waits', async () => {
    const clock = new ManualClock();
    const states = new Map([['auth', 'a']]);
    const { q, ready } = queue(clock, states);
    q.add(['auth']);
    await clock.advance(1000);
    q.add(['auth']);
    await clock.advance(1000);
    expect(ready).toEqual([]);
    q.close();
    await clock.advance(5000);
    expect(ready).toEqual([]);
  });
});

describe('readDirState', () => {
  let dir = '';
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('changes with a file content of the same size and time, ignores editor scratch files', () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'devup-settle-'));
    writeFileSync(path.join(dir, '0001_a.sql'), 'select 1;');
    const before = readDirState(dir);
    writeFileSync(path.join(dir, '.0001_a.sql.swp'), 'x');
    expect(readDirState(dir)).toBe(before);
    writeFileSync(path.join(dir, '0001_a.sql'), 'select 2;');
    expect(readDirState(dir)).not.toBe(before);
  });
});
