import { expect, it } from 'vitest';
import { findTransactionControl } from '../../../../src/migrations/sql/split.js';
import {
  lacksFinalSemicolon,
  scanTopLevelStatements,
  transactionControlCandidatesEnd,
} from '../../../../src/migrations/sql/sql-scan.js';

const firstWords = (sql: string) => scanTopLevelStatements(sql).map((s) => s.firstWord);

it('splits at top-level semicolons only: strings, identifiers, comments and dollar quotes hide theirs', () => {
  const sql = [
    "insert into t values ('a;b', 'it''s; fine', E'\\\\; still', E'\\'; begin');",
    'create table "odd;name" (a$b$ int);',
    '/* outer /* nested; begin; */ still comment; */ select 1;',
    '-- commit;',
    'do $body$ begin perform 1; commit; end $body$;',
    'create function f() returns int as $$ begin return 1; end $$ language plpgsql;',
    'select $1;',
  ].join('\n');
  expect(firstWords(sql)).toEqual(['insert', 'create', 'select', 'do', 'create', 'select']);
  expect(transactionControlCandidatesEnd(sql)).toBeUndefined();
});

it('finds top-level BEGIN, COMMIT, END and friends as candidates, and where the last one ends', () => {
  const sql = 'create table a (id int);\nBEGIN;\ninsert into a values (1);\ncommit;\nselect 1;';
  expect(firstWords(sql)).toEqual(['create', 'begin', 'insert', 'commit', 'select']);
  expect(transactionControlCandidatesEnd(sql)).toBe(sql.indexOf('commit;') + 'commit;'.length);
});

it('a file whose only "begin" is in DO blocks needs no parser, however large', () => {
  const block = "do $$ begin raise notice 'begin; commit;'; end $$;\n";
  expect(transactionControlCandidatesEnd(block.repeat(20_000))).toBeUndefined();
});

it('a BEGIN ATOMIC body is a candidate for the scan, and the parser then says it is no transaction control', async () => {
  const sql = 'create function one() returns int language sql begin atomic select 1; end;\nselect one();';
  expect(transactionControlCandidatesEnd(sql)).toBeDefined();
  expect(await findTransactionControl(sql)).toBeUndefined();
});

it('finds a top-level BEGIN even when a later statement does not parse', async () => {
  const sql = 'begin;\ncreate table a (id int);\nselect from from where;';
  expect(await findTransactionControl(sql)).toEqual({ offset: 0, keyword: 'BEGIN' });
});

it('ignores transaction words inside function bodies and strings, and allows savepoints', async () => {
  expect(await findTransactionControl("do $$ begin commit; end $$;\nselect 'rollback';")).toBeUndefined();
  expect(await findTransactionControl('savepoint s;\nrollback to savepoint s;\nrelease s;')).toBeUndefined();
  expect(await findTransactionControl('select 1;\n  commit;')).toEqual({ offset: 12, keyword: 'COMMIT' });
});

it('knows when the last statement lacks its semicolon, a trailing comment notwithstanding', () => {
  expect(lacksFinalSemicolon('create table a (id int)')).toBe(true);
  expect(lacksFinalSemicolon('select 1 -- done')).toBe(true);
  expect(lacksFinalSemicolon('select 1; -- done')).toBe(false);
  expect(lacksFinalSemicolon("select ';'")).toBe(true);
  expect(lacksFinalSemicolon('do $$ begin end $$;\n/* bye */')).toBe(false);
  expect(lacksFinalSemicolon('-- only a comment')).toBe(false);
});
