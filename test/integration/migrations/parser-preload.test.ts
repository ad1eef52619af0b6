// Module state matters here: vitest gives each test file its own module registry, so the parser
// starts unloaded, and the tests run in order (the first must see it unloaded).
import type pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { applyTarget } from '../../../src/migrations/sql/apply.js';
import { parserRequested } from '../../../src/migrations/sql/split.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { withTestDatabase } from '../helpers/database.js';
import { sqlTarget } from '../helpers/sql-target.js';

let client: pg.Client;
let ws: Workspace;

withTestDatabase((_db, connection) => {
  client = connection;
});
afterEach(() => ws?.cleanup());

/** Applies the files and tells, at each file's start, whether the parser had been asked for. */
async function parserAtEachStart(files: Record<string, string>, schema: string): Promise<boolean[]> {
  ws = createWorkspace(files);
  const seen: boolean[] = [];
  await applyTarget(client, sqlTarget(`${ws.dir}/m`, schema, { tenant: 'default' }), {
    onEvent: (event) => {
      if (event.type === 'file-start') seen.push(parserRequested());
    },
  });
  return seen;
}

it('never loads the parser for transactional files, DO blocks and BEGIN/END bodies included', async () => {
  const seen = await parserAtEachStart(
    {
      'm/0001_t.sql': 'create table t (id int);',
      'm/0002_do.sql':
        'do $$ begin if true then perform 1; end if; end $$;\n' +
        'create function f() returns int language plpgsql as $f$ begin return 1; end $f$;',
    },
    'preload_none',
  );
  expect(seen).toEqual([false, false]);
  expect(parserRequested()).toBe(false);
});

it('never loads the parser for a no-transaction file the lexical scan cuts exactly (the server checks its syntax)', async () => {
  const seen = await parserAtEachStart(
    {
      'm/0001_t.sql': 'create table t (id int, email text);',
      'm/0002_idx.sql': '-- devup:no-transaction\ncreate index concurrently t_email on t (email);',
    },
    'preload_scan',
  );
  expect(seen).toEqual([false, false]);
  expect(parserRequested()).toBe(false);
  const { rows } = await client.query(
    "select indisvalid from pg_index where indexrelid = 'preload_scan.t_email'::regclass",
  );
  expect(rows[0]?.indisvalid).toBe(true);
});

it('starts loading the parser at the plan when a no-transaction file needs it, before the files ahead of it run', async () => {
  const seen = await parserAtEachStart(
    {
      'm/0001_t.sql': 'create table t (id int, email text);',
      'm/0002_idx.sql':
        '-- devup:no-transaction\ncreate function one() returns int language sql begin atomic select 1; end;\ncreate index concurrently t_email on t (email);',
    },
    'preload_notx',
  );
  expect(seen).toEqual([true, true]);
  const { rows } = await client.query(
    "select indisvalid from pg_index where indexrelid = 'preload_notx.t_email'::regclass",
  );
  expect(rows[0]?.indisvalid).toBe(true);
});
