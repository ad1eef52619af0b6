import { writeFileSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { checksumSql } from '../../../../src/migrations/sql/checksum.js';
import { discoverMigrations, hasNoTransactionMarker } from '../../../../src/migrations/sql/discover.js';
import { firstInvalidUtf8 } from '../../../../src/migrations/sql/sql-file.js';
import { createWorkspace, type Workspace } from '../../../helpers/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

it('orders versions as integers, not strings', () => {
  ws = createWorkspace({ 'm/9_a.sql': 'select 1;', 'm/10_b.sql': 'select 2;', 'm/100_c.sql': 'select 3;' });
  expect(discoverMigrations(`${ws.dir}/m`).map((m) => m.id)).toEqual(['9_a', '10_b', '100_c']);
});

it('reads diesel directories, ignoring dashes in versions, with metadata.toml', () => {
  ws = createWorkspace({
    'm/2024-01-02-000000_b/up.sql': 'select 2;',
    'm/2024-01-01-000000_a/up.sql': 'select 1;',
    'm/2024-01-01-000000_a/down.sql': 'select -1;',
    'm/2024-01-02-000000_b/metadata.toml': 'run_in_transaction = false\n',
  });
  const [a, b] = discoverMigrations(`${ws.dir}/m`);
  expect(a).toMatchObject({ version: 20240101000000n, id: '2024-01-01-000000_a', format: 'diesel' });
  expect(a?.down?.sql).toBe('select -1;');
  expect(b?.up.noTransaction).toBe(true);
  expect(b?.down).toBeUndefined();
});

it('splits dbmate sections and honours transaction:false on the marker line', () => {
  ws = createWorkspace({
    'm/20240101_a.sql':
      '-- migrate:up transaction:false\ncreate index concurrently i on t (x);\n\n-- migrate:down\ndrop index i;\n',
  });
  const [m] = discoverMigrations(`${ws.dir}/m`);
  expect(m?.format).toBe('dbmate');
  expect(m?.up).toMatchObject({ lineOffset: 1, noTransaction: true });
  expect(m?.up.sql.trim()).toBe('create index concurrently i on t (x);');
  expect(m?.down?.noTransaction).toBe(false);
});

it('pairs up and down files', () => {
  ws = createWorkspace({
    'm/0001_a.up.sql': 'select 1;',
    'm/0001_a.down.sql': 'select 2;',
    'm/0002_b.up.sql': 'select 3;',
  });
  const migrations = discoverMigrations(`${ws.dir}/m`);
  expect(migrations.map((m) => [m.id, m.format, m.down !== undefined])).toEqual([
    ['0001_a', 'pairs', true],
    ['0002_b', 'pairs', false],
  ]);
});

it('names both files when two migrations share a version', () => {
  ws = createWorkspace({ 'm/0001_a.sql': 'select 1;', 'm/001_b.sql': 'select 2;' });
  expect(() => discoverMigrations(`${ws.dir}/m`)).toThrow(
    /001_b\.sql and 0001_a\.sql have the same version 1|0001_a\.sql and 001_b\.sql have the same version 1/,
  );
});

it('refuses a directory that mixes layouts, naming the files', () => {
  ws = createWorkspace({ 'm/0001_a.sql': 'select 1;', 'm/0002_b.up.sql': 'select 2;' });
  expect(() => discoverMigrations(`${ws.dir}/m`)).toThrow(
    /mixes 2 migration layouts \(ordered: 0001_a\.sql; pairs: 0002_b\.up\.sql\)/,
  );
});

it('refuses a .sql file without a version, naming it', () => {
  ws = createWorkspace({ 'm/0001_a.sql': 'select 1;', 'm/seed.sql': 'select 2;' });
  expect(() => discoverMigrations(`${ws.dir}/m`)).toThrow(
    /seed\.sql: a migration file must be named <version>_<name>\.sql/,
  );
});

it('gives a CRLF file the same checksum as its LF twin', () => {
  expect(checksumSql('a;\r\nb;\r\n')).toBe(checksumSql('a;\nb;\n'));
  expect(checksumSql('\uFEFFa;\n')).toBe(checksumSql('a;\n'));
  expect(checksumSql('a;\n')).not.toBe(checksumSql('b;\n'));
});

it('recognises the no-transaction markers of devup, sqlx and morph on the first line only', () => {
  expect(hasNoTransactionMarker('-- morph:nontransactional\ncreate index concurrently i on t (a);')).toBe(true);
  expect(hasNoTransactionMarker('-- devup:no-transaction\nselect 1;')).toBe(true);
  expect(hasNoTransactionMarker('-- no-transaction\nselect 1;')).toBe(true);
  expect(hasNoTransactionMarker('select 1;\n-- devup:no-transaction')).toBe(false);
});

it('refuses a migration that is not valid UTF-8, naming the file, byte and line', () => {
  ws = createWorkspace({ 'm/0001_a.sql': 'select 1;' });
  // 'café' saved as Latin-1: 0xE9 is not UTF-8.
  writeFileSync(
    `${ws.dir}/m/0002_b.sql`,
    Buffer.from("create table t (a text);\ninsert into t values ('caf\xe9');\n", 'latin1'),
  );
  expect(() => discoverMigrations(`${ws.dir}/m`)).toThrow(
    `${ws.dir}/m/0002_b.sql: is not valid UTF-8 at byte 51 (line 2)`,
  );
});

it('refuses a NUL byte in a migration, naming the byte', () => {
  ws = createWorkspace({ 'm/0001_a.sql': 'select 1;\nselect 2;\0' });
  expect(() => discoverMigrations(`${ws.dir}/m`)).toThrow(
    `${ws.dir}/m/0001_a.sql: contains a NUL byte at byte 19 (line 2)`,
  );
});

it('keeps valid multi-byte UTF-8 (and a literal replacement character) as written', () => {
  ws = createWorkspace({ 'm/0001_a.sql': "select 'café ✓ 𝄞 \uFFFD';" });
  expect(discoverMigrations(`${ws.dir}/m`)[0]?.up.sql).toBe("select 'café ✓ 𝄞 \uFFFD';");
});

it('accepts an upper-case .SQL extension in every file layout', () => {
  ws = createWorkspace({ 'm/0001_a.sql': 'select 1;', 'm/0002_b.SQL': 'select 2;' });
  expect(discoverMigrations(`${ws.dir}/m`).map((m) => m.id)).toEqual(['0001_a', '0002_b']);
  ws.cleanup();
  ws = createWorkspace({ 'p/0001_a.UP.SQL': 'select 1;', 'p/0001_a.Down.Sql': 'select -1;' });
  const [pair] = discoverMigrations(`${ws.dir}/p`);
  expect(pair).toMatchObject({ id: '0001_a', format: 'pairs' });
  expect(pair?.down?.sql).toBe('select -1;');
});

it('finds the first byte that is not UTF-8: stray continuations, overlongs, surrogates, truncated sequences', () => {
  expect(firstInvalidUtf8(Buffer.from('abc é ✓ 𝄞'))).toBe(-1);
  expect(firstInvalidUtf8(Buffer.from([0x61, 0x80]))).toBe(1);
  expect(firstInvalidUtf8(Buffer.from([0xc0, 0xaf]))).toBe(0);
  expect(firstInvalidUtf8(Buffer.from([0x61, 0xed, 0xa0, 0x80]))).toBe(1);
  expect(firstInvalidUtf8(Buffer.from([0x61, 0x62, 0xe2, 0x9c]))).toBe(2);
});

it('refuses a version too large for the history table, naming the file, before anything runs', () => {
  ws = createWorkspace({ 'm/0001_a.sql': 'select 1;', 'm/20240101120000123456_b.sql': 'select 2;' });
  expect(() => discoverMigrations(`${ws.dir}/m`)).toThrow(
    'm: 20240101120000123456_b.sql: version 20240101120000123456 is too large (the most is 9223372036854775807, 19 digits)',
  );
});
