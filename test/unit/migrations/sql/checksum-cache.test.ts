import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Migration } from '../../../../src/migrations/migration.js';
import { checksumSql } from '../../../../src/migrations/sql/checksum.js';
import { CHECKSUM_FILE, ChecksumCache } from '../../../../src/migrations/sql/checksum-cache.js';
import { createWorkspace, type Workspace } from '../../../helpers/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

// The files of a test are seconds old at most; a cache "written later" sees them as settled.
const later = () => Date.now() + 60_000;

function setUp(files: Record<string, string> = {}) {
  ws = createWorkspace({ 'm/0001_a.sql': 'create table a (id int);\n', 'm/0002_b.sql': 'select 2;\n', ...files });
  return { dir: path.join(ws.dir, 'm'), state: path.join(ws.dir, '.devup') };
}

/** Discovers through a cache, then saves it, as one run of the migration step does. */
function run(state: string, dir: string, clock = later): Migration[] {
  const cache = new ChecksumCache(state, clock);
  const found = cache.discover(dir);
  cache.save();
  return found;
}

const fromCache = (m: Migration | undefined) => Object.getOwnPropertyDescriptor(m?.up, 'sql')?.get !== undefined;

describe('the migration checksum cache', () => {
  it('an unchanged directory comes from the cache, with the same checksums; its SQL is read on first use', () => {
    const { dir, state } = setUp();
    const first = run(state, dir);
    expect(first.some(fromCache)).toBe(false);
    expect(existsSync(path.join(state, CHECKSUM_FILE))).toBe(true);
    const second = run(state, dir);
    expect(second.every(fromCache)).toBe(true);
    expect(second.map((m) => [m.id, m.checksum])).toEqual(first.map((m) => [m.id, m.checksum]));
    expect(second[0]?.up.sql).toBe('create table a (id int);\n');
  });

  it('a migration from the cache is the one read from its file in every field: contexts, down, no-transaction', () => {
    ws = createWorkspace({
      'd/0001_a.sql': '-- migrate:up\ncreate table a (id int);\n-- migrate:down\ndrop table a;\n',
      'd/0002_b.sql': '-- migrate:up\nselect 2;\n',
      'd/0003_c.sql':
        '-- migrate:up transaction:false\n-- devup:context dev,test\ncreate index concurrently c on a (id);\n-- migrate:down\ndrop index c;\n',
    });
    const [dir, state] = [path.join(ws.dir, 'd'), path.join(ws.dir, '.devup')];
    const plain = (ms: Migration[]) =>
      JSON.parse(JSON.stringify(ms, (_key, value) => (typeof value === 'bigint' ? value.toString() : value)));
    const first = run(state, dir);
    expect(first[2]?.contexts).toEqual(['dev', 'test']);
    const second = run(state, dir);
    expect(second.every(fromCache)).toBe(true);
    expect(plain(second)).toEqual(plain(first));
  });

  it('a cache file of an older version (which lost contexts) is read again, not trusted', () => {
    const { dir, state } = setUp({ 'm/0003_c.sql': '-- devup:context dev\nselect 3;\n' });
    run(state, dir);
    const file = path.join(state, CHECKSUM_FILE);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...saved, version: 1 }));
    const again = run(state, dir);
    expect(again.some(fromCache)).toBe(false);
    expect(again[2]?.contexts).toEqual(['dev']);
  });

  it('catches an edit that keeps the size and puts the mtime back (ctime cannot be set back)', () => {
    const { dir, state } = setUp();
    run(state, dir);
    const file = path.join(dir, '0002_b.sql');
    const before = statSync(file);
    writeFileSync(file, 'select 3;\n');
    utimesSync(file, before.atime, before.mtime);
    const [, b] = run(state, dir);
    expect(fromCache(b)).toBe(false);
    expect(b?.checksum).toBe(checksumSql('select 3;\n'));
  });

  it('sees a migration added or removed', () => {
    const { dir, state } = setUp();
    run(state, dir);
    writeFileSync(path.join(dir, '0003_c.sql'), 'select 4;\n');
    expect(run(state, dir).map((m) => m.id)).toEqual(['0001_a', '0002_b', '0003_c']);
  });

  it('does not keep files changed within 2 s of its writing', () => {
    const { dir, state } = setUp();
    run(state, dir, Date.now);
    expect(run(state, dir, Date.now).some(fromCache)).toBe(false);
  });

  it('distrusts a file dated in the future, and a clock that went back', () => {
    const { dir, state } = setUp();
    run(state, dir);
    const future = new Date(Date.now() + 3_600_000);
    utimesSync(path.join(dir, '0001_a.sql'), future, future);
    expect(run(state, dir).some(fromCache)).toBe(false);
    expect(run(state, dir).some(fromCache)).toBe(false);

    const other = setUp();
    run(other.state, other.dir, () => Date.now() + 600_000);
    // Written "ten minutes from now": this run's clock is behind the cache's.
    expect(run(other.state, other.dir).some(fromCache)).toBe(false);
  });

  it('refuses SQL that changed between the check and its first use, rather than run other text', () => {
    const { dir, state } = setUp();
    run(state, dir);
    const [a] = run(state, dir);
    expect(fromCache(a)).toBe(true);
    writeFileSync(path.join(dir, '0001_a.sql'), 'drop table a;\n');
    expect(() => a?.up.sql).toThrow(/0001_a: changed while devup was reading it/);
  });

  it('a read-only command writes nothing (the cache is saved only when asked)', () => {
    const { dir, state } = setUp();
    new ChecksumCache(state, later).discover(dir);
    expect(existsSync(path.join(state, CHECKSUM_FILE))).toBe(false);
  });
});
