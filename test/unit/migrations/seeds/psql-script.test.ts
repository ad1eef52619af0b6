import { describe, expect, it } from 'vitest';
import { UserError } from '../../../../src/errors.js';
import { readPsqlScript } from '../../../../src/migrations/seeds/psql-script.js';

const sections = (text: string) =>
  readPsqlScript(text, 'db/init.sql').map((s) => ({ database: s.database, sql: s.sql.trim(), at: s.offset }));

describe('readPsqlScript', () => {
  it('cuts the file at \\c and \\connect lines, each section going to the database named', () => {
    const text = [
      '\\set ON_ERROR_STOP on',
      'CREATE DATABASE auth;',
      '\\c auth',
      'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";',
      '\\connect "work flow"',
      'CREATE TABLE t (x text);',
      '\\c -',
      "SELECT 'a\\b', $$ \\c nope $$; -- \\c nor this",
      '',
    ].join('\n');
    expect(sections(text)).toEqual([
      { database: undefined, sql: 'CREATE DATABASE auth;', at: text.indexOf('\nCREATE DATABASE') },
      { database: 'auth', sql: 'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";', at: text.indexOf('\nCREATE EXTENSION') },
      { database: 'work flow', sql: 'CREATE TABLE t (x text);', at: text.indexOf('\nCREATE TABLE') },
      { database: 'work flow', sql: "SELECT 'a\\b', $$ \\c nope $$; -- \\c nor this", at: text.indexOf('\nSELECT') },
    ]);
  });

  it('names the file and line of a meta-command devup does not run', () => {
    const error = (() => {
      try {
        sections('CREATE TABLE a (x int);\n\n\\copy a from data.csv\n');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(
      "db/init.sql:3: psql's \\copy is not something devup runs (database.init)",
    );
    expect((error as UserError).hint).toContain('\\c DB');
  });

  it('refuses a \\c to another user or server, naming the line', () => {
    expect(() => sections('select 1;\n\\c auth postgres\n')).toThrow(
      'db/init.sql:2: \\c auth postgres connects as another user or to another server',
    );
    expect(() => sections('\\connect host=db dbname=auth\n')).toThrow(/^db\/init\.sql:1: /);
  });
});
