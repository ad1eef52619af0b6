import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { UsageError } from '../../../../src/errors.js';
import { createMigration } from '../../../../src/migrations/sql/new-migration.js';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function migrationsDir(files: Record<string, string>): string {
  dir = mkdtempSync(path.join(os.tmpdir(), 'devup-new-migration-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

it('refuses a name whose file name would pass the 255-byte limit, with the room left, and writes nothing', () => {
  const migrations = migrationsDir({ '0001_a.up.sql': '', '0001_a.down.sql': '' });
  const name = 'x'.repeat(300);
  expect(() => createMigration(migrations, name)).toThrow(UsageError);
  expect(() => createMigration(migrations, name)).toThrow(
    'migration name is 300 characters: its file name would be 314 bytes, more than the 255 a file system allows',
  );
  // 0002_ and .down.sql take 14 bytes: 241 is the longest name that fits.
  expect(() => createMigration(migrations, name)).toThrow(
    expect.objectContaining({ hint: 'Use a shorter name (at most 241 characters here), e.g. add_user_bio.' }),
  );
  expect(readdirSync(migrations).sort()).toEqual(['0001_a.down.sql', '0001_a.up.sql']);
  expect(createMigration(migrations, 'y'.repeat(241)).map((file) => path.basename(file).length)).toEqual([253, 255]);
});

it('refuses a long name in a diesel layout before making its directory', () => {
  const migrations = migrationsDir({ '2024-01-01-000000_a/up.sql': '', '2024-01-01-000000_a/down.sql': '' });
  expect(() => createMigration(migrations, 'z'.repeat(300))).toThrow('more than the 255 a file system allows');
  expect(readdirSync(migrations)).toEqual(['2024-01-01-000000_a']);
});
