import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LogSource } from './log-prefixer.js';

/** One line of a service's output as the store keeps it. */
export interface LogEntry {
  resource: string;
  /** When devup read it (ms since the epoch). */
  time: number;
  stream: LogSource;
  line: string;
}

/** Where a reader is in a resource's log: the file (by inode) and the byte offset in it. */
export interface LogPosition {
  inode: number;
  offset: number;
}

export const LOG_FILE_BYTES = 5 * 1024 * 1024;

const MARKER: Record<LogSource, string> = { stdout: 'o', stderr: 'e', devup: 'd' };
const SOURCE: Record<string, LogSource> = { o: 'stdout', e: 'stderr', d: 'devup' };

function fileOf(dir: string, resource: string): string {
  return path.join(dir, `${resource}.log`);
}

/** Parses whole lines of a log file ("<ms> <o|e|d> <text>"); a line that is not one is skipped. */
export function parseLogLines(resource: string, text: string): LogEntry[] {
  const entries: LogEntry[] = [];
  for (const row of text.split('\n')) {
    const first = row.indexOf(' ');
    const stream = SOURCE[row.charAt(first + 1)];
    if (first <= 0 || stream === undefined || row.charAt(first + 2) !== ' ') continue;
    entries.push({ resource, time: Number(row.slice(0, first)), stream, line: row.slice(first + 3) });
  }
  return entries;
}

/**
 * The running session's service output, one bounded file per resource (service) under
 * `.devup/logs/`: `<name>.log`, rotated to `<name>.log.1` at `maxBytes`, so a service never holds
 * more than twice that on disk. The session appends as it prefixes lines (synchronous writes of
 * whole batches: cheap, and a reader never sees half a line); `devup logs` and the dashboard read
 * and follow the same files from another process.
 */
export class LogStore {
  readonly dir: string;
  readonly #maxBytes: number;
  readonly #files = new Map<string, { fd: number; bytes: number }>();

  constructor(dir: string, options: { maxBytes?: number } = {}) {
    this.dir = dir;
    this.#maxBytes = options.maxBytes ?? LOG_FILE_BYTES;
  }

  /** Starts a session's logs afresh: the last session's files are removed. */
  reset(): void {
    this.close();
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }

  append(resource: string, stream: LogSource, lines: string | readonly string[]): void {
    const batch = typeof lines === 'string' ? [lines] : lines;
    if (batch.length === 0) return;
    const head = `${Date.now()} ${MARKER[stream]} `;
    // A line's own newlines would split it into rows the parser cannot read.
    const text = `${head}${batch.map((line) => line.replaceAll('\n', ' ')).join(`\n${head}`)}\n`;
    let file = this.#open(resource);
    if (file.bytes > 0 && file.bytes + text.length > this.#maxBytes) file = this.#rotate(resource, file);
    file.bytes += writeSync(file.fd, text);
  }

  /** The entries of `resource` after `from` (the start of the current file without it), and where they end. */
  read(resource: string, from?: LogPosition): { entries: LogEntry[]; position: LogPosition } {
    return readLog(this.dir, resource, from);
  }

  close(): void {
    for (const file of this.#files.values()) closeSync(file.fd);
    this.#files.clear();
  }

  #open(resource: string): { fd: number; bytes: number } {
    let file = this.#files.get(resource);
    if (!file) {
      mkdirSync(this.dir, { recursive: true });
      const fd = openSync(fileOf(this.dir, resource), 'a');
      file = { fd, bytes: fstatSync(fd).size };
      this.#files.set(resource, file);
    }
    return file;
  }

  #rotate(resource: string, file: { fd: number }): { fd: number; bytes: number } {
    closeSync(file.fd);
    this.#files.delete(resource);
    renameSync(fileOf(this.dir, resource), `${fileOf(this.dir, resource)}.1`);
    return this.#open(resource);
  }
}

function readFrom(file: string, offset: number): { text: string; end: number; inode: number } | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const { size, ino } = fstatSync(fd);
    const start = offset > size ? 0 : offset;
    const buffer = Buffer.alloc(size - start);
    const read = buffer.length === 0 ? 0 : readSync(fd, buffer, 0, buffer.length, start);
    const text = buffer.subarray(0, read).toString('utf8');
    // Only whole lines: a write under way is read on the next call.
    const whole = text.lastIndexOf('\n') + 1;
    return { text: text.slice(0, whole), end: start + Buffer.byteLength(text.slice(0, whole)), inode: ino };
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a resource's log from another process. Without `from`: the rotated file, then the
 * current one. With `from`: what was added since; when the file it points into was rotated
 * meanwhile, the rest of that one (now `.1`) comes first.
 */
export function readLog(
  dir: string,
  resource: string,
  from?: LogPosition,
): { entries: LogEntry[]; position: LogPosition } {
  const current = fileOf(dir, resource);
  let text = '';
  if (from === undefined) text += readFrom(`${current}.1`, 0)?.text ?? '';
  else {
    const rotated = readFrom(`${current}.1`, 0);
    if (rotated && rotated.inode === from.inode) text += readFrom(`${current}.1`, from.offset)?.text ?? '';
  }
  const fresh = from !== undefined && inodeOf(current) === from.inode ? from.offset : 0;
  const now = readFrom(current, fresh);
  text += now?.text ?? '';
  return {
    entries: parseLogLines(resource, text),
    position: { inode: now?.inode ?? 0, offset: now?.end ?? 0 },
  };
}

/**
 * The last `count` entries of a resource's log (the rotated file's too when the current one holds
 * fewer), read from the end in blocks: a page's first screen need not parse 10 MB.
 */
export function readLogTail(dir: string, resource: string, count: number): LogEntry[] {
  const current = fileOf(dir, resource);
  const entries = parseLogLines(resource, tailOf(current, count));
  if (entries.length >= count) return entries.slice(-count);
  return [
    ...parseLogLines(resource, tailOf(`${current}.1`, count - entries.length)).slice(entries.length - count),
    ...entries,
  ];
}

const TAIL_BLOCK = 64 * 1024;

/** The whole lines at the end of `file` that hold at least `count` lines (or all of it). */
function tailOf(file: string, count: number): string {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return '';
  }
  try {
    const blocks: Buffer[] = [];
    let start = fstatSync(fd).size;
    let newlines = 0;
    while (start > 0 && newlines <= count) {
      const from = Math.max(0, start - TAIL_BLOCK);
      const block = Buffer.alloc(start - from);
      readSync(fd, block, 0, block.length, from);
      for (let i = block.indexOf(10); i !== -1; i = block.indexOf(10, i + 1)) newlines++;
      blocks.unshift(block);
      start = from;
    }
    // Decoded once, so a character split between two blocks stays whole.
    const text = Buffer.concat(blocks).toString('utf8');
    // A line cut at the start is dropped; one being written at the end is read next time.
    const first = start > 0 ? text.indexOf('\n') + 1 : 0;
    return text.slice(first, text.lastIndexOf('\n') + 1);
  } finally {
    closeSync(fd);
  }
}

function inodeOf(file: string): number | undefined {
  try {
    return statSync(file).ino;
  } catch {
    return undefined;
  }
}

/** The resources that have a log in `dir`. */
export function loggedResources(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith('.log'))
      .map((name) => name.slice(0, -'.log'.length));
  } catch {
    return [];
  }
}

/**
 * Calls `onEntries` with what each resource's log gains, polling every `intervalMs` until
 * `signal` aborts. Polling rather than fs.watch: the writer is another process and rotates files,
 * and a stat per file five times a second costs nothing.
 */
export async function followLogs(
  dir: string,
  resources: readonly string[],
  start: Map<string, LogPosition>,
  onEntries: (entries: LogEntry[]) => void,
  options: { signal: AbortSignal; intervalMs?: number; until?: () => boolean },
): Promise<void> {
  const positions = new Map(start);
  while (!options.signal.aborted) {
    const batch: LogEntry[] = [];
    for (const resource of resources) {
      const { entries, position } = readLog(dir, resource, positions.get(resource));
      positions.set(resource, position);
      batch.push(...entries);
    }
    if (batch.length > 0) onEntries(batch.sort((a, b) => a.time - b.time));
    if (options.until?.()) return;
    await sleep(options.intervalMs ?? 200, undefined, { signal: options.signal }).catch(() => {});
  }
}
