import { InterruptedError, UserError } from '../../errors.js';
import { byteToCharCursor, codePointIndex } from './byte-offsets.js';
import { forEachTopLevelStatement, transactionControlCandidatesEnd } from './sql-scan.js';

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
  // node:v8 and node:module are loaded here, not at the top: most runs parse nothing.
  parser ??= Promise.all([import('node:v8'), import('node:module')]).then(([v8, { createRequire }]) => {
    v8.setFlagsFromString('--wasm-tiering-budget=2000000000');
    // Its CommonJS build, required: importing the ES module build made Node's loader lex the
    // 60 kB Emscripten glue for its exports, 68 ms of CPU to load against 32 ms (measured on Node 20).
    return createRequire(import.meta.url)('libpg-query') as typeof import('libpg-query');
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

type ParsedSplit = { stmts?: { stmt_location?: number; stmt_len?: number; stmt?: Statement['tree'] }[] };

/** About this many characters go to the parser at once: its output (the whole syntax tree) stays small. */
export const SPLIT_CHUNK_CHARS = 256 * 1024;

/**
 * Where to cut the text for the parser: at top-level `;` (the lexical scan), every
 * `chunkChars` or so. A cut the scan cannot see is wrong (inside BEGIN ATOMIC … END, or a
 * rule's parenthesised actions) leaves an incomplete statement, which the parser refuses.
 */
function chunkEnds(sql: string, chunkChars: number): number[] {
  const ends: number[] = [];
  let from = 0;
  forEachTopLevelStatement(
    sql,
    (_start, end) => {
      if (end - from >= chunkChars) {
        ends.push(end);
        from = end;
      }
    },
    0,
  );
  if (from < sql.length) ends.push(sql.length);
  return ends;
}

/** The statements of one parsed piece of the text, with offsets into the whole text. */
function statementsOf(text: string, from: number, result: ParsedSplit): Statement[] {
  const charAt = byteToCharCursor(text);
  const statements: Statement[] = [];
  for (const stmt of result.stmts ?? []) {
    const start = charAt(stmt.stmt_location ?? 0);
    const end = stmt.stmt_len ? charAt((stmt.stmt_location ?? 0) + stmt.stmt_len) : text.length;
    const raw = text.slice(start, end);
    const leading = raw.length - raw.trimStart().length;
    const sql = raw.trim();
    if (sql !== '') statements.push({ sql, offset: from + start + leading, tree: stmt.stmt });
  }
  return statements;
}

function syntaxError(text: string, from: number, file: string, error: unknown): Error {
  const position = (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition;
  return Object.assign(new UserError(`${file}: ${(error as Error).message}`, { cause: error }), {
    // libpg-query's cursor position counts characters, not bytes.
    position: position === undefined ? undefined : from + codePointIndex(text, position),
  });
}

/**
 * Splits SQL into statements with Postgres's own parser (libpg-query, compiled to WASM), so
 * dollar quotes, strings, comments and nested blocks are handled as the server would.
 * Loaded only for files that opt out of a transaction. The text goes to the parser in pieces
 * (linear time, bounded memory), and between pieces an interrupt (`signal`) stops it.
 */
export async function splitStatements(
  sql: string,
  file: string,
  options: { signal?: AbortSignal | undefined; chunkChars?: number } = {},
): Promise<Statement[]> {
  const { signal, chunkChars = SPLIT_CHUNK_CHARS } = options;
  const { parse } = await loadParser();
  const statements: Statement[] = [];
  let from = 0;
  for (const end of chunkEnds(sql, chunkChars)) {
    if (end <= from) continue;
    // The parse itself cannot be interrupted: let a signal's handler run between pieces.
    await new Promise((resolve) => setImmediate(resolve));
    if (signal?.aborted) throw new InterruptedError();
    const piece = sql.slice(from, end);
    let result = (await parse(piece).catch(() => undefined)) as ParsedSplit | undefined;
    let parsed = piece;
    if (result === undefined) {
      // A cut in the wrong place, or a real syntax error: the rest in one piece tells which.
      parsed = sql.slice(from);
      try {
        result = (await parse(parsed)) as ParsedSplit;
      } catch (error) {
        throw syntaxError(parsed, from, file, error);
      }
    }
    for (const statement of statementsOf(parsed, from, result)) statements.push(statement);
    if (parsed !== piece) break;
    from = end;
  }
  return statements;
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
      const start = byteToCharCursor(sql)(stmt.stmt_location ?? 0);
      const leading = sql.slice(start).length - sql.slice(start).trimStart().length;
      return { offset: start + leading, keyword: kind.replace('TRANS_STMT_', '') };
    }
  }
  return undefined;
}
