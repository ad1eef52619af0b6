import { readdirSync, readlinkSync } from 'node:fs';

/** Live processes whose working directory is inside `dir` (a zombie has none, so it is not counted). */
export function processesUnder(dir: string): { pid: number; cwd: string }[] {
  const found: { pid: number; cwd: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = readlinkSync(`/proc/${entry}/cwd`);
      if (cwd.startsWith(dir)) found.push({ pid: Number(entry), cwd });
    } catch {
      // Gone, or not ours to read.
    }
  }
  return found;
}
