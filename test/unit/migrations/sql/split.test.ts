import { parse } from 'libpg-query';
import { expect, it } from 'vitest';
import { InterruptedError, UserError } from '../../../../src/errors.js';
import { byteToCharCursor } from '../../../../src/migrations/sql/byte-offsets.js';
import { splitStatements } from '../../../../src/migrations/sql/split.js';

// Small pieces, so a test file crosses many piece boundaries quickly (the default is 256 KB).
const CHUNK = 4_096;

/** Statements of every kind the scan must not cut inside, with text of 1 to 4 UTF-8 bytes a character. */
function statement(i: number): string {
  switch (i % 5) {
    case 0:
      return `insert into notes (id, body) values (${i}, 'été; naïve ${i}');`;
    case 1:
      return `create function f${i}() returns int language plpgsql as $body$ begin perform 1; return ${i}; end $body$;`;
    case 2:
      return `/* a comment; with 🐘 */ update notes set body = 'x;y' where id = ${i};`;
    case 3:
      return `comment on table notes is 'Ελληνικά ${i} -- not a comment';`;
    default:
      return `select ${i} as "semi;colon";`;
  }
}

/** The statements as one parse of the whole text gives them: the reference the pieces must agree with. */
async function wholeParse(sql: string): Promise<string[]> {
  const bytes = Buffer.from(sql, 'utf8');
  const result = (await parse(sql)) as { stmts: { stmt_location?: number; stmt_len?: number }[] };
  return result.stmts.map((stmt) => {
    const start = stmt.stmt_location ?? 0;
    const end = stmt.stmt_len ? start + stmt.stmt_len : bytes.length;
    return bytes.subarray(start, end).toString('utf8').trim();
  });
}

it('splits a file of many parser pieces into exactly the statements one whole parse gives, each at its offset', async () => {
  let sql = '-- devup:no-transaction\n';
  let count = 0;
  for (; sql.length < CHUNK * 25; count++) sql += `${statement(count)}\n${count % 7 === 0 ? '\n-- between\n' : ''}`;
  const statements = await splitStatements(sql, 'many.sql', { chunkChars: CHUNK });
  expect(statements).toHaveLength(count);
  expect(statements.map((s) => s.sql)).toEqual(await wholeParse(sql));
  for (const s of statements) expect(sql.slice(s.offset, s.offset + s.sql.length)).toBe(s.sql);
  expect(statements[1]?.sql).toBe(statement(1).slice(0, -1));
});

it('a BEGIN ATOMIC body the lexical scan would cut at a piece boundary stays one statement', async () => {
  const filler: string[] = [];
  let sql = '';
  while (sql.length < CHUNK - 40) {
    sql += `select ${filler.length};\n`;
    filler.push(`select ${filler.length}`);
  }
  const atomic = 'create function g() returns int language sql begin atomic select 1; select 2; end';
  sql += `${atomic};\nselect 'after';\n`;
  const statements = await splitStatements(sql, 'atomic.sql', { chunkChars: CHUNK });
  expect(statements.map((s) => s.sql)).toEqual([...filler, atomic, "select 'after'"]);
});

it('a syntax error in a later piece is reported at its place in the whole file', async () => {
  let sql = '';
  while (sql.length < CHUNK * 5) sql += "insert into notes values (1, 'ü');\n";
  const after = sql.length + 'select 1 frm '.length;
  sql += 'select 1 frm notes where;\nselect 2;\n';
  const error = await splitStatements(sql, 'bad.sql', { chunkChars: CHUNK }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UserError);
  expect((error as UserError).message).toMatch(/^bad\.sql: syntax error at or near "notes"/);
  // The parser points at the token after the mistake, in whole-file characters (not piece bytes).
  expect((error as { position: number }).position).toBe(after);
});

it('stops between pieces when interrupted', async () => {
  let sql = '';
  while (sql.length < CHUNK * 50) sql += 'select 1;\n';
  const controller = new AbortController();
  const split = splitStatements(sql, 'long.sql', { signal: controller.signal, chunkChars: CHUNK });
  setImmediate(() => controller.abort());
  await expect(split).rejects.toBeInstanceOf(InterruptedError);
});

it('maps UTF-8 byte offsets to string indices as Buffer does, walking forward', () => {
  const text = 'a€b𝄞c\u00e9\ud800d'.repeat(50);
  const cursor = byteToCharCursor(text);
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i <= text.length; i++) {
    // Not between the halves of a surrogate pair: no byte offset lies there.
    if (i > 0 && text.charCodeAt(i) >= 0xdc00 && text.charCodeAt(i) <= 0xdfff && text.charCodeAt(i - 1) >= 0xd800)
      continue;
    const byteOffset = Buffer.byteLength(text.slice(0, i), 'utf8');
    expect(cursor(byteOffset)).toBe(bytes.subarray(0, byteOffset).toString('utf8').length);
  }
  expect(cursor(Buffer.byteLength('a€b', 'utf8'))).toBe(3);
  expect(byteToCharCursor('plain ascii')(6)).toBe(6);
});

it('a syntax error after multi-byte and astral characters points at its token (the cursor counts characters)', async () => {
  const sql = "select '🐘 é €';\nselect 1 frm notes;\n";
  const error = await splitStatements(sql, 'x.sql').catch((e: unknown) => e);
  const position = (error as { position: number }).position;
  expect(sql.slice(position, position + 5)).toBe('notes');
});

it("each statement carries the parser's node for it, from whichever piece parsed it", async () => {
  let sql = '';
  while (sql.length < CHUNK * 3) sql += 'select 1;\n';
  sql += 'create database auth;\n';
  const statements = await splitStatements(sql, 'trees.sql', { chunkChars: CHUNK });
  expect(Object.keys(statements[0]?.tree ?? {})).toEqual(['SelectStmt']);
  expect(statements.at(-1)?.tree).toEqual({ CreatedbStmt: { dbname: 'auth' } });
});
