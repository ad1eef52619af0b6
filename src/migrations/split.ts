import { UserError } from '../errors.js';

export interface Statement {
  sql: string;
  /** Character offset of the statement in the section's SQL. */
  offset: number;
}

/**
 * Splits SQL into statements with Postgres's own parser (libpg-query, compiled to WASM), so
 * dollar quotes, strings, comments and nested blocks are handled as the server would.
 * Loaded only for files that opt out of a transaction.
 */
export async function splitStatements(sql: string, file: string): Promise<Statement[]> {
  const { parse } = await import('libpg-query');
  let result: { stmts?: { stmt_location?: number; stmt_len?: number }[] };
  try {
    result = (await parse(sql)) as typeof result;
  } catch (error) {
    const position = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition;
    throw Object.assign(new UserError(`${file}: ${(error as Error).message}`, { cause: error }), {
      position: position === undefined ? undefined : charIndexOfByte(sql, position),
    });
  }
  // The parser reports byte offsets into the UTF-8 text; map them back to string indices.
  const bytes = Buffer.from(sql, 'utf8');
  const statements: Statement[] = [];
  for (const stmt of result.stmts ?? []) {
    const start = stmt.stmt_location ?? 0;
    const end = stmt.stmt_len ? start + stmt.stmt_len : bytes.length;
    const raw = bytes.subarray(start, end).toString('utf8');
    const leading = raw.length - raw.trimStart().length;
    const text = raw.trim();
    if (text === '') continue;
    statements.push({ sql: text, offset: charIndexOfByte(sql, start) + leading });
  }
  return statements;
}

function charIndexOfByte(text: string, byteOffset: number): number {
  return Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8').length;
}
