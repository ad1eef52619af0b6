import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { matchSeedFiles } from '../../../../src/migrations/seeds/seed-files.js';

describe('matchSeedFiles', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devup-seeds-'));
  const seeds = path.join(dir, 'svc', 'seeds');
  mkdirSync(path.join(seeds, 'nested.sql'), { recursive: true });
  for (const file of ['02_b.sql', '01_a.sql', '10_c.sql', 'notes.txt', '.hidden.sql']) {
    writeFileSync(path.join(seeds, file), '');
  }
  writeFileSync(path.join(dir, 'shared.sql'), '');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cwd = path.join(dir, 'svc');

  it('lists the matching files of the directory, sorted, as absolute paths (no directories)', () => {
    expect(matchSeedFiles(cwd, 'seeds/*.sql')).toEqual(
      ['.hidden.sql', '01_a.sql', '02_b.sql', '10_c.sql'].map((f) => path.join(seeds, f)),
    );
    expect(matchSeedFiles(cwd, 'seeds/0?_*.sql')).toEqual(['01_a.sql', '02_b.sql'].map((f) => path.join(seeds, f)));
  });

  it('takes a name without wildcards as that one file, and a path outside the service', () => {
    expect(matchSeedFiles(cwd, 'seeds/02_b.sql')).toEqual([path.join(seeds, '02_b.sql')]);
    expect(matchSeedFiles(cwd, '../*.sql')).toEqual([path.join(dir, 'shared.sql')]);
  });

  it('finds nothing in a directory that does not exist', () => {
    expect(matchSeedFiles(cwd, 'missing/*.sql')).toEqual([]);
    expect(matchSeedFiles(cwd, 'seeds/*.csv')).toEqual([]);
  });
});
