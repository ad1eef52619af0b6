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

it('reads many schemas in one query exactly as one at a time, whatever the text holds', async () => {
  await client.query(createHistorySql('odd_text'));
  await client.query(createHistorySql('no_rows'));
  // What XML escapes (& < > and a raw \r), what JSON escapes (" \ newlines), the element's own
  // closing tag inside a value, and text outside ASCII.
  const awkward = `a & b < c > d "e" 'f' \\ g\r\nh </h> <h> &amp; ü ✔ 😀`;
  await client.query(
    `insert into ${historyTable('odd_text')} (version, name, checksum, success, transactional, error, statement, execution_ms)
     values (9223372036854775807, $1, 'c1', false, false, $1, 3, 42), (7, 'plain', 'c2', true, true, null, null, 0)`,
    [awkward],
  );
  const many = await readHistories(client, ['odd_text', 'no_rows', 'no_such_schema']);
  expect(many.get('odd_text')).toEqual(await readHistory(client, 'odd_text'));
  expect(many.get('odd_text')?.map((r) => [r.version, r.name, r.error])).toEqual([
    [7n, 'plain', null],
    [9223372036854775807n, awkward, awkward],
  ]);
  expect(many.get('no_rows')).toEqual([]);
  expect(many.has('no_such_schema')).toBe(true);
  expect(many.get('no_such_schema')).toBeUndefined();
});
