import { UserError } from '../../errors.js';
import { topLevelBackslashes } from '../sql/sql-scan.js';

/**
 * A file written for psql, as the Postgres image runs `docker-entrypoint-initdb.d/*.sql`: SQL, cut
 * where a `\c` / `\connect` line moves the rest to another database. Each section is the SQL
 * between two such lines, with where it starts in the file (for code frames).
 */
export interface PsqlSection {
  /** The database its statements go to: undefined for the one the file started in. */
  database: string | undefined;
  sql: string;
  offset: number;
}

/** The 1-based line of a character index. */
export function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** psql's argument words: whitespace-separated, single or double quotes keep spaces (a doubled quote is one). */
function metaArguments(rest: string): string[] {
  const words: string[] = [];
  const pattern = /'((?:[^']|'')*)'|"((?:[^"]|"")*)"|(\S+)/g;
  for (const match of rest.matchAll(pattern)) {
    words.push(match[1]?.replaceAll("''", "'") ?? match[2]?.replaceAll('""', '"') ?? (match[3] as string));
  }
  return words;
}

/**
 * Cuts a psql script into sections at its `\c DB` / `\connect DB` lines (a meta-command runs to
 * the end of its line, as in psql). Any other meta-command, or a `\c` devup cannot follow (another
 * user, host or port), is a UserError naming the file and line: devup sends SQL, it is not psql.
 */
export function readPsqlScript(text: string, file: string): PsqlSection[] {
  const sections: PsqlSection[] = [];
  let database: string | undefined;
  let start = 0;
  let lineEnd = -1;
  for (const at of topLevelBackslashes(text)) {
    if (at < lineEnd) continue; // a backslash in the arguments of the meta-command before
    const newline = text.indexOf('\n', at);
    lineEnd = newline < 0 ? text.length : newline;
    const [command = '', ...args] = metaArguments(text.slice(at + 1, lineEnd));
    const where = `${file}:${lineOf(text, at)}`;
    // devup stops at the first error anyway, as the image's psql -v ON_ERROR_STOP=1 does.
    if (command === 'set' && args[0] === 'ON_ERROR_STOP') {
      sections.push({ database, sql: text.slice(start, at), offset: start });
      start = lineEnd;
      continue;
    }
    if (command !== 'c' && command !== 'connect') {
      throw new UserError(`${where}: psql's \\${command} is not something devup runs (database.init)`, {
        hint: 'devup runs the SQL of an init file itself and follows `\\c DB` / `\\connect DB` lines; remove the other psql meta-commands (or do that step in SQL).',
      });
    }
    const [name, ...extra] = args.filter((arg) => !arg.startsWith('-reuse-previous'));
    if (extra.length > 0 || name?.includes('=') || name?.includes('://')) {
      throw new UserError(`${where}: \\${command} ${args.join(' ')} connects as another user or to another server`, {
        hint: 'devup follows `\\c DB` to another database of the same server as the same user: keep only the database name.',
      });
    }
    sections.push({ database, sql: text.slice(start, at), offset: start });
    if (name !== undefined && name !== '-') database = name;
    start = lineEnd;
  }
  sections.push({ database, sql: text.slice(start), offset: start });
  return sections.filter((section) => section.sql.trim() !== '');
}
