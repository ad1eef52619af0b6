import { UserError } from '../../errors.js';
import { transactionControlCandidatesEnd } from './sql-scan.js';

let parser: Promise<typeof import('libpg-query')> | undefined;

/**
 * libpg-query, loaded on first use. Its WebAssembly module is large: after the baseline compile,
 * V8's dynamic tiering recompiles its hot functions with the optimising compiler in background
 * threads, measured at 0.18 s CPU on Node 20 and 0.5 s on Node 24 for a handful of parses: more
 * than a migration run gets back, and on Node 24 the process used to wait for it before exiting.
 * A tiering budget no parse reaches keeps it on the baseline tier; `--liftoff-only` would too, but
 * Node 24 ignores it once started. Process-wide, and libpg-query is the only WebAssembly devup loads.
 */
function loadParser(): Promise<typeof import('libpg-query')> {
  // node:v8 is loaded here, not at the top: most runs parse nothing and should not pay for it.
  parser ??= import('node:v8').then((v8) => {
    v8.setFlagsFromString('--wasm-tiering-budget=2000000000');
    return import('libpg-query');
  });
  return parser;
}

/**
 * Starts loading the parser without waiting for it, for a run that will need it (a pending
 * no-transaction migration): its compile, 40-70 ms of a cold run, then overlaps the server's work
 * on the migrations before. A failure to load is left to the call that needs the parser.
 */
export function preloadParser(): void {
  loadParser().catch(() => {});
}

/** Whether this process has started loading the parser (most runs never should). */
export function parserRequested(): boolean {
  return parser !== undefined;
}

export interface Statement {
  sql: string;
  /** Character offset of the statement in the section's SQL. */
  offset: number;
  /** The parser's node for it, e.g. `{ CreatedbStmt: { dbname: 'auth' } }` (undefined when split otherwise). */
  tree?: Record<string, Record<string, unknown>> | undefined;
}

/**
 * Splits SQL into statements with Postgres's own parser (libpg-query, compiled to WASM), so
 * dollar quotes, strings, comments and nested blocks are handled as the server would.
 * Loaded only for files that opt out of a transaction.
 */
export async function splitStatements(sql: string, file: string): Promise<Statement[]> {
  const { parse } = await loadParser();
  let result: { stmts?: { stmt_location?: number; stmt_len?: number; stmt?: Statement['tree'] }[] };
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
    statements.push({ sql: text, offset: charIndexOfByte(sql, start) + leading, tree: stmt.stmt });
  }
  return statements;
}

function charIndexOfByte(text: string, byteOffset: number): number {
  return Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8').length;
}

const ALLOWED_IN_TRANSACTION = new Set(['TRANS_STMT_SAVEPOINT', 'TRANS_STMT_RELEASE', 'TRANS_STMT_ROLLBACK_TO']);

type ParsedStatements = { stmts?: { stmt_location?: number; stmt?: { TransactionStmt?: { kind?: string } } }[] };

async function parseOrUndefined(sql: string): Promise<ParsedStatements | undefined> {
  const { parse } = await loadParser();
  try {
    return (await parse(sql)) as ParsedStatements;
  } catch {
    return undefined;
  }
}

/**
 * The first statement that would end or nest devup's own transaction (BEGIN, COMMIT, ROLLBACK…),
 * as a character offset and its keyword. A lexical scan finds the top-level statements that start
 * with such a word (a word in a function body, string or comment never counts); only then does the
 * parser run, and only over the text up to the last of them. A syntax error is left to the server.
 */
export async function findTransactionControl(sql: string): Promise<{ offset: number; keyword: string } | undefined> {
  const end = transactionControlCandidatesEnd(sql);
  if (end === undefined) return undefined;
  // The prefix ends at a top-level `;`; should it still not parse, the whole text decides.
  const result =
    (await parseOrUndefined(sql.slice(0, end))) ?? (end < sql.length ? await parseOrUndefined(sql) : undefined);
  for (const stmt of result?.stmts ?? []) {
    const kind = stmt.stmt?.TransactionStmt?.kind;
    if (kind && !ALLOWED_IN_TRANSACTION.has(kind)) {
      const start = charIndexOfByte(sql, stmt.stmt_location ?? 0);
      const leading = sql.slice(start).length - sql.slice(start).trimStart().length;
      return { offset: start + leading, keyword: kind.replace('TRANS_STMT_', '') };
    }
  }
  return undefined;
}
