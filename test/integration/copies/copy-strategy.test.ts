import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CopyLabel } from '../../../src/copies/copy-labels.js';
import { chooseStrategy, measureShape } from '../../../src/copies/copy-strategy.js';
import { cloneCopy, copyDatabase, dropCopy } from '../../../src/copies/database-copy.js';
import { type ConnectionInfo, withClient } from '../../../src/database/connection/connection.js';
import { createTestDatabase } from '../helpers/database.js';

// Both ways of `create database … strategy` make a whole copy; the label's shape picks one.

let db: ConnectionInfo & { drop(): Promise<void> };
const maintenance = <T>(fn: Parameters<typeof withClient<T>>[1]) => withClient(db, fn, { database: 'postgres' });

beforeAll(async () => {
  db = await createTestDatabase();
  await withClient(db, (c) =>
    c.query(
      'create table big (id int primary key, v text); insert into big select g, md5(g::text) from generate_series(1, 20000) g',
    ),
  );
});

afterAll(() => db?.drop());

it('reads the shape of a database: its relations with storage and their bytes', async () => {
  const shape = await measureShape(db, db.database);
  // The catalogs, plus the table, its primary key and its TOAST table and index.
  expect(shape?.relations).toBeGreaterThan(4);
  expect(shape?.bytes).toBeGreaterThan(20000 * 32);
  expect(await measureShape(db, `${db.database}_missing`)).toBeUndefined();
});

it.each([
  ['wal_log', { relations: 2000, bytes: 1024 * 1024 }],
  ['file_copy', { relations: 2, bytes: 1024 * 1024 * 1024 }],
] as const)('copies and clones whole with %s', async (strategy, shape) => {
  expect(chooseStrategy(shape)).toBe(strategy);
  const label: CopyLabel = {
    project: `strategy_${db.database}`,
    kind: 'template',
    source: db.database,
    createdAt: new Date().toISOString(),
    fingerprint: {},
    shape,
  };
  const copy = { database: `${db.database}__devup_${strategy}`, label };
  const spare = await maintenance(async (c) => {
    await copyDatabase(c, db.database, copy.database, label);
    return cloneCopy(c, copy, `${db.database}__devup_${strategy}_spare`, 'spare');
  });
  expect(spare.label.shape).toEqual(shape);
  // A clone takes no connections until it is swapped in: let this one, to read it.
  await maintenance((c) => c.query(`alter database "${spare.database}" allow_connections true`));
  const rows = await withClient(db, (c) => c.query('select count(*)::int as n from big'), { database: spare.database });
  expect(rows.rows[0]?.n).toBe(20000);
  await maintenance(async (c) => {
    await dropCopy(c, spare);
    await dropCopy(c, copy);
  });
});
