/**
 * A lexical scan of SQL text that knows where strings, quoted identifiers, comments and
 * dollar-quoted bodies begin and end, and so where each top-level statement begins. It does not
 * parse: it tells the parser where there is something worth parsing, in one linear pass.
 */

const DOLLAR_TAG = /\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

// Character codes: the scan runs over whole files (megabytes), one comparison per character.
function isLetter(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95;
}
function isIdentifierChar(code: number): boolean {
  return isLetter(code) || (code >= 48 && code <= 57) || code === 36 || code >= 128;
}
function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

export interface TopLevelStatement {
  /** Character index of the statement's first word. */
  start: number;
  /** Character index just past its terminating `;` (or the end of the text). */
  end: number;
  /** The first word, lower-cased ('' when the statement starts with something else). */
  firstWord: string;
}

/** Index just past the quoted text that starts at `from` (a quote character), or the text's end. */
function skipQuoted(sql: string, from: number, quote: string, backslashEscapes: boolean): number {
  let i = from + 1;
  for (;;) {
    const next = sql.indexOf(quote, i);
    if (next < 0) return sql.length;
    if (backslashEscapes) {
      let slashes = 0;
      for (let j = next - 1; j >= from + 1 && sql[j] === '\\'; j--) slashes++;
      if (slashes % 2 === 1) {
        i = next + 1;
        continue;
      }
    }
    // A doubled quote is the quote character itself.
    if (sql[next + 1] === quote) {
      i = next + 2;
      continue;
    }
    return next + 1;
  }
}

/** Index just past a (nestable) block comment that starts at `from`. */
function skipBlockComment(sql: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      const open = sql.indexOf('/*', i);
      const close = sql.indexOf('*/', i);
      if (close < 0) return sql.length;
      i = open >= 0 && open < close ? open : close;
    }
  }
  return sql.length;
}

/** If a dollar quote opens at `at`, the index just past its closing tag. */
function skipDollarQuote(sql: string, at: number): number | undefined {
  if (at > 0 && isIdentifierChar(sql.charCodeAt(at - 1))) return undefined; // part of an identifier, e.g. a$b
  DOLLAR_TAG.lastIndex = at;
  const match = DOLLAR_TAG.exec(sql);
  if (!match) return undefined;
  const close = sql.indexOf(match[0], at + match[0].length);
  return close < 0 ? sql.length : close + match[0].length;
}

/**
 * Calls `visit` for every top-level statement of the text, split at `;` outside strings, comments
 * and dollar quotes. The first word is read only when it is short enough to be a keyword of interest.
 */
export function forEachTopLevelStatement(
  sql: string,
  visit: (start: number, end: number, firstWord: string) => void,
  longestWord = 16,
  /** Hears each backslash outside strings, comments and dollar quotes (where psql sees a meta-command). */
  onBackslash?: (index: number) => void,
): void {
  let start = -1;
  let firstWord = '';
  let i = 0;
  const length = sql.length;
  while (i < length) {
    const code = sql.charCodeAt(i);
    if (code === 45 /* - */ && sql.charCodeAt(i + 1) === 45) {
      const newline = sql.indexOf('\n', i);
      i = newline < 0 ? length : newline + 1;
      continue;
    }
    if (code === 47 /* / */ && sql.charCodeAt(i + 1) === 42 /* * */) {
      i = skipBlockComment(sql, i);
      continue;
    }
    if (code === 59 /* ; */) {
      if (start >= 0) visit(start, i + 1, firstWord);
      start = -1;
      i++;
      continue;
    }
    if (isSpace(code)) {
      i++;
      continue;
    }
    if (start < 0) {
      start = i;
      let wordEnd = i;
      while (wordEnd < length && isLetter(sql.charCodeAt(wordEnd))) wordEnd++;
      firstWord = wordEnd - i <= longestWord ? sql.slice(i, wordEnd).toLowerCase() : '';
    }
    if (code === 39 /* ' */) {
      const prefix = sql.charCodeAt(i - 1);
      const escapes = (prefix === 69 || prefix === 101) && !isIdentifierChar(sql.charCodeAt(i - 2));
      i = skipQuoted(sql, i, "'", escapes);
    } else if (code === 34 /* " */) {
      i = skipQuoted(sql, i, '"', false);
    } else if (code === 36 /* $ */) {
      i = skipDollarQuote(sql, i) ?? i + 1;
    } else if (isIdentifierChar(code)) {
      // A whole word at once: a `$` inside an identifier is not a dollar quote.
      while (i < length && isIdentifierChar(sql.charCodeAt(i))) i++;
    } else {
      if (code === 92 /* \\ */) onBackslash?.(i);
      i++;
    }
  }
  if (start >= 0) visit(start, length, firstWord);
}

/** Every top-level statement of the text, with its first word lower-cased. */
export function scanTopLevelStatements(sql: string): TopLevelStatement[] {
  const statements: TopLevelStatement[] = [];
  forEachTopLevelStatement(sql, (start, end, firstWord) => statements.push({ start, end, firstWord }));
  return statements;
}

/** First words of the statements that could end or nest devup's transaction. */
const TRANSACTION_WORDS = new Set(['begin', 'commit', 'end', 'rollback', 'start', 'prepare', 'abort']);

/**
 * Where a BEGIN/COMMIT/ROLLBACK… could be a statement of its own: the index just past the last
 * top-level statement starting with such a word, or undefined when there is none. A word inside
 * a function body, a string or a comment never counts, so most files need no parser at all.
 */
export function transactionControlCandidatesEnd(sql: string): number | undefined {
  let last: number | undefined;
  forEachTopLevelStatement(
    sql,
    (_start, end, firstWord) => {
      if (TRANSACTION_WORDS.has(firstWord)) last = end;
    },
    8,
  );
  return last;
}

/** True when the text's last statement lacks its `;` (a comment after it does not count as one). */
export function lacksFinalSemicolon(sql: string): boolean {
  let lastEnd = -1;
  forEachTopLevelStatement(sql, (_start, end) => {
    lastEnd = end;
  });
  return lastEnd === sql.length && sql.charCodeAt(sql.length - 1) !== 59;
}

/** Where psql would see a meta-command: each backslash outside strings, comments and dollar quotes. */
export function topLevelBackslashes(sql: string): number[] {
  const found: number[] = [];
  forEachTopLevelStatement(
    sql,
    () => {},
    0,
    (index) => found.push(index),
  );
  return found;
}
