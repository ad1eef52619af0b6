import { expect, it } from 'vitest';
import { scanSplitsExactly, scanStatements } from '../../../../src/migrations/sql/scan-split.js';
import { splitStatements } from '../../../../src/migrations/sql/split.js';

/** Texts the scan must cut where Postgres's parser does: quotes, comments, dollar bodies, no final `;`. */
const TEXTS = [
  '-- devup:no-transaction\ncreate index concurrently a on t (x);\n/* nested /* comment; */ here; */\ncreate index concurrently b on t (y);',
  "select 'a;b', E'it\\'s; ok', \"semi;colon\" from t; -- a comment; with semicolon\n",
  "do $do$ begin execute format($f$create table %I (id int); $f$, 'x'); end $do$;\nvacuum t",
  'create function f() returns trigger language plpgsql as $$ begin new.a := 1; return new; end; $$;\n\n;;\n',
  "comment on table t is 'Ελληνικά; 🐘';\nselect 1 as x$y; select $a$ no; $a$",
  'DO $migrate$\nDECLARE r record;\nBEGIN\n  FOR r IN SELECT 1 LOOP\n    BEGIN\n      PERFORM 1;\n    EXCEPTION WHEN others THEN NULL;\n    END;\n  END LOOP;\nEND\n$migrate$;\ncreate index concurrently c on t (z);',
];

it('cuts each text where the parser does, and says so for every one of them', async () => {
  for (const text of TEXTS) {
    expect(scanSplitsExactly(text)).toBe(true);
    const parsed = (await splitStatements(text, 'x.sql')).map((s) =>
      s.sql.replace(/^(\s*(--[^\n]*\n|\/\*.*?\*\/))*\s*/s, ''),
    );
    const scanned = scanStatements(text);
    expect(scanned.map((s) => s.sql)).toEqual(parsed);
    for (const s of scanned) expect(text.slice(s.offset, s.offset + s.sql.length)).toBe(s.sql);
  }
});

it('leaves BEGIN ATOMIC bodies and rules to the parser, and finds no statement in comments alone', () => {
  expect(scanSplitsExactly('create function f() returns int language sql begin atomic select 1; end;')).toBe(false);
  expect(
    scanSplitsExactly('create rule r as on insert to t do also (insert into a values (1); insert into b values (2));'),
  ).toBe(false);
  expect(scanStatements('-- only a comment;\n/* and; another */\n')).toEqual([]);
});
