import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Writes `value` as pretty JSON through a temporary file and a rename, so a reader or a crash never
 * sees half a file. The temporary name is unique per call: parallel writers can't share one.
 */
export function writeJsonAtomic(file: string, value: unknown, options: { mode?: number } = {}): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(
    temporary,
    `${JSON.stringify(value, null, 2)}\n`,
    options.mode === undefined ? {} : { mode: options.mode },
  );
  try {
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
