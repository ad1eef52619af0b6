import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { touchEntry, UNUSED_ENTRY_MS, useCacheEntry } from '../../../../src/database/embedded/cluster-cache-uses.js';

const DIST = path.resolve(import.meta.dirname, '../../../../dist/database/embedded/cluster-cache-uses.js');
const CURRENT = 'pg18-aaaaaaaaaaaaaaaa';
const OLD = 'pg17-bbbbbbbbbbbbbbbb';
const DAY = 24 * 60 * 60 * 1000;

let root: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'devup-cache-uses-'));
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

/** An entry as the cache holds one, last used `daysAgo` days ago. */
function entry(name: string, daysAgo: number): string {
  const dir = path.join(root, name);
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  touchEntry(dir);
  const when = new Date(Date.now() - daysAgo * DAY);
  utimesSync(path.join(dir, 'last-used'), when, when);
  return dir;
}

/** Another devup process holding a use of `name` (the built module, as the CLI runs it). */
async function otherProcessUsing(name: string): Promise<ChildProcess> {
  const script = `import { useCacheEntry } from ${JSON.stringify(DIST)};
await useCacheEntry(${JSON.stringify(root)}, ${JSON.stringify(name)});
console.log('held');
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  await vi.waitFor(() => expect(output).toContain('held'), { timeout: 30_000 });
  return child;
}

describe('pruning the cluster cache', () => {
  it('removes an entry of other settings unused for two weeks, keeps a recent one and the one in use', async () => {
    const old = entry(OLD, 15);
    const recent = entry('pg16-cccccccccccccccc', 13);
    const current = entry(CURRENT, 400);
    const use = await useCacheEntry(root, CURRENT);
    use.release();
    expect(use.removed).toEqual([OLD]);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    expect(existsSync(current)).toBe(true);
    expect(readdirSync(root).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('never removes an entry another live devup is using, and does once that process is gone', async () => {
    const old = entry(OLD, 30);
    const other = await otherProcessUsing(OLD);
    const first = await useCacheEntry(root, CURRENT);
    first.release();
    expect(first.removed).toEqual([]);
    expect(existsSync(old)).toBe(true);

    other.kill('SIGKILL');
    await vi.waitFor(() => expect(other.exitCode ?? other.signalCode).not.toBeNull());
    const second = await useCacheEntry(root, CURRENT);
    second.release();
    expect(second.removed).toEqual([OLD]);
    expect(existsSync(old)).toBe(false);
    // The dead process's use marker went with it; only this process's (released) ones were made.
    expect(readdirSync(path.join(root, 'uses'))).toEqual([]);
  });

  it('removes what a killed devup left half made, but not what a live one is making', async () => {
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => dead.on('exit', resolve));
    const leftover = path.join(root, `.build-${dead.pid}-0badc0de`);
    const building = path.join(root, `.build-${process.pid}-0badc0de`);
    for (const dir of [leftover, building]) mkdirSync(dir);
    writeFileSync(path.join(leftover, 'manifest.json'), '{}');
    const use = await useCacheEntry(root, CURRENT);
    use.release();
    expect(existsSync(leftover)).toBe(false);
    expect(existsSync(building)).toBe(true);
  });

  it('counts an entry without a last-used file by when it was made', async () => {
    const dir = path.join(root, OLD);
    mkdirSync(dir);
    const made = new Date(Date.now() - UNUSED_ENTRY_MS - DAY);
    utimesSync(dir, made, made);
    const use = await useCacheEntry(root, CURRENT);
    use.release();
    expect(use.removed).toEqual([OLD]);
  });
});
