import { readdirSync, statSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { LogStore, loggedResources, readLog, readLogTail } from '../../../src/services/log-store.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

it('appends lines per resource and reads them back with their stream, in order', () => {
  ws = createWorkspace();
  const store = new LogStore(`${ws.dir}/logs`);
  store.append('api', 'stdout', ['listening', 'GET / 200']);
  store.append('api', 'stderr', 'warn: slow\nquery');
  store.append('worker', 'devup', ['exited with code 1']);
  store.close();
  expect(readLog(`${ws.dir}/logs`, 'api').entries.map((e) => [e.stream, e.line])).toEqual([
    ['stdout', 'listening'],
    ['stdout', 'GET / 200'],
    ['stderr', 'warn: slow query'],
  ]);
  expect(loggedResources(`${ws.dir}/logs`).sort()).toEqual(['api', 'worker']);
});

it('rotates at the size bound, keeping one older file, and a reader following across the rotation misses nothing', () => {
  ws = createWorkspace();
  const dir = `${ws.dir}/logs`;
  const store = new LogStore(dir, { maxBytes: 1000 });
  const line = (n: number) => `line ${String(n).padStart(4, '0')} ${'x'.repeat(70)}`;
  for (let n = 0; n < 10; n++) store.append('api', 'stdout', line(n));
  const first = readLog(dir, 'api');
  expect(first.entries).toHaveLength(10);
  for (let n = 10; n < 18; n++) store.append('api', 'stdout', line(n));
  const next = readLog(dir, 'api', first.position);
  expect(next.entries.map((e) => e.line)).toEqual([10, 11, 12, 13, 14, 15, 16, 17].map(line));
  for (let n = 18; n < 200; n++) store.append('api', 'stdout', line(n));
  store.close();
  expect(readdirSync(dir).sort()).toEqual(['api.log', 'api.log.1']);
  for (const file of readdirSync(dir)) expect(statSync(`${dir}/${file}`).size).toBeLessThanOrEqual(1000);
  // Everything kept is the newest lines, whole and in order.
  const kept = readLog(dir, 'api').entries.map((e) => e.line);
  expect(kept.at(-1)).toBe(line(199));
  expect(kept).toEqual(kept.map((_, i) => line(200 - kept.length + i)));
});

it('reset removes the last session’s files', () => {
  ws = createWorkspace();
  const store = new LogStore(`${ws.dir}/logs`);
  store.append('api', 'stdout', 'old');
  store.reset();
  expect(loggedResources(`${ws.dir}/logs`)).toEqual([]);
  store.append('api', 'stdout', 'new');
  store.close();
  expect(readLog(`${ws.dir}/logs`, 'api').entries.map((e) => e.line)).toEqual(['new']);
});

it('reads the newest lines from the end, across the rotated file and blocks, multi-byte characters whole', () => {
  ws = createWorkspace();
  const dir = `${ws.dir}/logs`;
  const store = new LogStore(dir, { maxBytes: 200_000 });
  // Lines of ~1 kB with a character of three bytes in each: some straddle the 64 kB blocks.
  const line = (n: number) => `line ${n} ${'€'.repeat(300)}`;
  for (let n = 0; n < 300; n++) store.append('api', 'stdout', line(n));
  store.close();
  expect(readdirSync(dir).sort()).toEqual(['api.log', 'api.log.1']);
  const all = readLog(dir, 'api').entries.map((e) => e.line);
  expect(readLogTail(dir, 'api', 5).map((e) => e.line)).toEqual(all.slice(-5));
  // More than the current file holds: the rest comes from the rotated one, in order.
  const current = readLog(dir, 'api', { inode: 0, offset: 0 }).entries.length;
  expect(readLogTail(dir, 'api', current + 10).map((e) => e.line)).toEqual(all.slice(-(current + 10)));
  expect(readLogTail(dir, 'api', 10_000).map((e) => e.line)).toEqual(all);
  expect(readLogTail(dir, 'nothing', 5)).toEqual([]);
});
