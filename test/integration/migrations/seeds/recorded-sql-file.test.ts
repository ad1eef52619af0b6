import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { UserError } from '../../../../src/errors.js';
import { applyRecordedSqlFile, createRecordTableSql } from '../../../../src/migrations/seeds/recorded-sql-file.js';
import { substitutePlaceholders } from '../../../../src/migrations/sql/placeholders.js';
import { createWorkspace, type Workspace } from '../../../helpers/workspace.js';
import { withTestDatabase } from '../../helpers/database.js';

let client: pg.Client;
let ws: Workspace;
withTestDatabase((_db, c) => {
  client = c;
});

beforeAll(async () => {
  ws = createWorkspace({});
  await client.query('create schema recorded');
  await client.query(createRecordTableSql('recorded.files'));
});
afterAll(() => ws?.cleanup());

const failure = { message: 'data.sql failed', hint: 'Fix it.' };

it('runs the file in its schema with placeholders substituted, and records it with its checksum in the same transaction', async () => {
  const text = 'create table ${tenant} (id int);\n';
  await applyRecordedSqlFile(client, {
    schema: 'recorded',
    table: 'recorded.files',
    file: {
      path: path.join(ws.dir, 'data.sql'),
      name: 'data.sql',
      text,
      sql: substitutePlaceholders(text, { schema: 'recorded', tenant: 'acme' }),
    },
    failure,
  });
  expect((await client.query("select to_regclass('recorded.acme')::text as t")).rows).toEqual([{ t: 'recorded.acme' }]);
  const { rows } = await client.query<{ file: string; checksum: string }>('select file, checksum from recorded.files');
  expect(rows).toEqual([{ file: 'data.sql', checksum: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
  // The connection's search_path is left as it was: the next file may be for another schema.
  expect((await client.query('show search_path')).rows[0]).toEqual({ search_path: '"$user", public' });
});

it('on a failure keeps nothing of the file, records nothing, and points at the failing line', async () => {
  const text = 'create table kept (id int);\n\nselect * from missing_table;\n';
  const file = ws.write('broken.sql', text);
  const error = await applyRecordedSqlFile(client, {
    schema: 'recorded',
    table: 'recorded.files',
    file: { path: file, name: 'broken.sql', text },
    failure,
  }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UserError);
  expect((error as UserError).message).toBe('data.sql failed');
  expect((error as UserError).hint).toBe('Fix it.');
  expect((error as UserError).details.join('\n')).toMatch(
    /broken\.sql:3:\d+\n[\s\S]*> 3 \| select \* from missing_table;/,
  );
  expect((await client.query("select to_regclass('recorded.kept') as kept")).rows).toEqual([{ kept: null }]);
  expect((await client.query("select file from recorded.files where file = 'broken.sql'")).rows).toEqual([]);
});
