import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PgError } from '../../database/connection/connection.js';

/** 1-based line and column of a character index within a text. */
export function lineAndColumn(text: string, index: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, index));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

export interface SqlErrorLocation {
  file: string;
  /** The whole text of the file, to show the failing line. */
  fileText: string;
  /** 1-based line and column in the file. */
  line: number;
  column: number;
}

/** A code frame: the failing line of the .sql file with a caret under the error position. */
export function codeFrame(location: SqlErrorLocation, cwd = process.cwd()): string[] {
  const lines = location.fileText.split('\n');
  const out: string[] = [`${path.relative(cwd, location.file)}:${location.line}:${location.column}`];
  const first = Math.max(1, location.line - 2);
  const width = String(location.line).length;
  for (let n = first; n <= location.line; n++) {
    out.push(`${n === location.line ? '>' : ' '} ${String(n).padStart(width)} | ${lines[n - 1] ?? ''}`);
  }
  out.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.max(0, location.column - 1))}^`);
  return out;
}

/** Severity, SQLSTATE, detail and hint of a server error, one per line. */
export function describePgError(error: PgError): string[] {
  const out = [`${error.severity ?? 'ERROR'} ${error.code ?? ''}: ${error.message}`.trim()];
  if (error.detail) out.push(`DETAIL: ${error.detail}`);
  if (error.hint) out.push(`HINT: ${error.hint}`);
  if (error.where) out.push(`WHERE: ${error.where.split('\n')[0]}`);
  return out;
}

/** Where an index into a section's SQL lands in its file (dbmate sections start below their marker). */
export function locateInSection(
  section: { file: string; sql: string; lineOffset: number },
  indexInSection: number,
): SqlErrorLocation {
  const { line, column } = lineAndColumn(section.sql, indexInSection);
  let fileText: string;
  try {
    fileText = readFileSync(section.file, 'utf8').replace(/\r\n?/g, '\n');
  } catch {
    fileText = section.sql;
  }
  return { file: section.file, fileText, line: line + section.lineOffset, column };
}

/** The code frame of a failure at `index` in a whole file's text, or just the file when the server gave no position. */
export function failureFrame(file: string, text: string, index: number | undefined): string[] {
  if (index === undefined) return [file];
  const { line, column } = lineAndColumn(text, index);
  return codeFrame({ file, fileText: text, line, column });
}
