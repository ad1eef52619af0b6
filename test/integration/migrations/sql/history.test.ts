import type pg from 'pg';
import { expect, it } from 'vitest';
import { createHistorySql, historyTable, readHistories, readHistory } from '../../../../src/migrations/sql/history.js';
import { withTestDatabase } from '../../helpers/database.js';

let client: pg.Client;
withTestDatabase((_db, connection) => {
  client = connection;
});

it('reads history ordered by version as a number (2 before 10), one schema or many', async () => {
  await client.query(createHistorySql('order_check'));
  for (const version of [1, 10, 11, 2]) {
    await client.query(
      `insert into ${historyTable('order_check')} (version, name, checksum, success) values ($1, $2, 'c', true)`,
      [version, `m${version}`],
    );
  }
  expect((await readHistory(client, 'order_check')).map((r) => r.version)).toEqual([1n, 2n, 10n, 11n]);
  const many = await readHistories(client, ['order_check']);
  expect(many.get('order_check')?.map((r) => r.version)).toEqual([1n, 2n, 10n, 11n]);
});
