import { expect, it } from 'vitest';
import { readSealedSnapshot, sealSnapshot } from '../../../../src/migrations/sql/snapshot-seal.js';

const covered = [
  { version: 1n, name: '0001_users', checksum: 'a'.repeat(64) },
  { version: 20240102n, name: '20240102_orders', checksum: 'b'.repeat(64) },
];
const ddl = '-- Schema of the service "shop", written by `devup schema`.\nCREATE TABLE ${schema}.users (id bigint);\n';

it('seals the DDL with the migrations it covers, and reads both back', () => {
  const sealed = sealSnapshot(ddl, { covered, alembicHeads: [] });
  expect(sealed).toMatch(/-- devup:covers 20240102 20240102_orders b{64}\n-- devup:snapshot [0-9a-f]{64}\n$/);
  const reading = readSealedSnapshot(sealed.replaceAll('\n', '\r\n'));
  expect(reading).toMatchObject({ ok: true, covered, alembicHeads: [] });
  expect(reading.ok && reading.sql.startsWith(ddl)).toBe(true);
});

it('seals an Alembic schema with its head revision', () => {
  const sealed = sealSnapshot(ddl, { covered: [], alembicHeads: ['3f2a9c'] });
  expect(sealed).toMatch(/-- devup:alembic-head 3f2a9c\n-- devup:snapshot [0-9a-f]{64}\n$/);
  expect(readSealedSnapshot(sealed)).toMatchObject({ ok: true, covered: [], alembicHeads: ['3f2a9c'] });
  expect(readSealedSnapshot(sealed.replace('3f2a9c\n', '3f2a9d\n'))).toMatchObject({ ok: false });
});

it('refuses a file changed after it was sealed, or one that was never sealed', () => {
  const sealed = sealSnapshot(ddl, { covered, alembicHeads: [] });
  expect(readSealedSnapshot(sealed.replace('bigint', 'int'))).toEqual({
    ok: false,
    problem: 'it was changed after `devup schema` wrote it',
  });
  expect(readSealedSnapshot(ddl)).toMatchObject({
    ok: false,
    problem: expect.stringMatching(/^it records no migrations/),
  });
  // A service with nothing to cover (another external tool's) gets the DDL alone.
  expect(sealSnapshot(ddl, { covered: [], alembicHeads: [] })).toBe(ddl);
});
