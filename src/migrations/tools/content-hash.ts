import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FileEntry } from './file-listing.js';

const fileHashes = new Map<string, { size: number; mtimeMs: number; ctimeMs: number; hash: string }>();

/** The sha256 of one file's content, read again only when its size or times change. */
export function fileHash(file: FileEntry): string {
  const hit = fileHashes.get(file.absolute);
  if (hit && hit.size === file.size && hit.mtimeMs === file.mtimeMs && hit.ctimeMs === file.ctimeMs) return hit.hash;
  const hash = createHash('sha256').update(readFileSync(file.absolute)).digest('hex');
  fileHashes.set(file.absolute, { size: file.size, mtimeMs: file.mtimeMs, ctimeMs: file.ctimeMs, hash });
  return hash;
}

/**
 * One hash over relative paths and contents, in path order: the same files give the same value
 * on every machine, wherever the directory is.
 */
export function hashFiles(files: readonly FileEntry[]): string {
  const hash = createHash('sha256');
  const sorted = [...files].sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
  for (const file of sorted) hash.update(`${file.relative}\0${fileHash(file)}\n`);
  return hash.digest('hex');
}

/** One hash over a history table's rows (in the order given; the query orders them). */
export function hashRows(rows: readonly Record<string, string | null>[]): string {
  const hash = createHash('sha256');
  for (const row of rows) {
    const keys = Object.keys(row).sort();
    hash.update(`${JSON.stringify(keys.map((key) => [key, row[key] ?? null]))}\n`);
  }
  return hash.digest('hex');
}
