import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SessionLogStore } from '../../../src/dashboard/log-store.js';
import { LogStore } from '../../../src/services/log-store.js';

const dirs: string[] = [];
const stores: LogStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The supervisor's side (the files) and the dashboard's, fed the same lines in the same call. */
function both(mask = (text: string) => text) {
  const dir = mkdtempSync(path.join(tmpdir(), 'devup-dash-logs-'));
  dirs.push(dir);
  const files = new LogStore(dir);
  stores.push(files);
  const page = new SessionLogStore(dir, mask);
  const feed = (resource: string, source: 'stdout' | 'stderr' | 'devup', text: string) => {
    files.append(resource, source, [text]);
    return page.append(resource, source, text);
  };
  return { files, page, feed };
}

it('reads the history from the session log files, numbered so the next live line follows the newest', () => {
  const { page, feed } = both();
  for (let i = 1; i <= 3; i++) feed('auth', 'stdout', `auth ${i}`);
  feed('workflow', 'stderr', 'workflow 1');
  expect(page.lines(['auth']).map((l) => l.text)).toEqual(['auth 1', 'auth 2', 'auth 3']);
  const all = page.lines();
  expect(all.map((l) => l.text)).toEqual(['auth 1', 'auth 2', 'auth 3', 'workflow 1']);
  expect(all.at(-1)).toMatchObject({ resource: 'workflow', source: 'stderr', seq: 4 });
  expect(feed('auth', 'devup', 'restarted').seq).toBe(5);
});

it('keeps what the files keep: after a rotation the oldest lines are gone, the numbering still ends at the newest', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'devup-dash-logs-'));
  dirs.push(dir);
  const files = new LogStore(dir, { maxBytes: 200 });
  stores.push(files);
  const page = new SessionLogStore(dir, (text) => text);
  for (let i = 1; i <= 40; i++) {
    files.append('auth', 'stdout', [`line ${i}`]);
    page.append('auth', 'stdout', `line ${i}`);
  }
  const lines = page.lines();
  expect(lines.length).toBeLessThan(40);
  expect(lines.at(-1)).toMatchObject({ text: 'line 40', seq: 40 });
  expect(lines[0]?.seq).toBe(40 - lines.length + 1);
});

it('masks what the page is given', () => {
  const { page, feed } = both((text) => text.replace('s3cret', '****'));
  feed('auth', 'stdout', 'password=s3cret');
  expect(page.lines()[0]?.text).toBe('password=****');
});

it('with a limit, the newest lines of all resources, numbered as without one', () => {
  const { page, feed } = both();
  for (let i = 1; i <= 5; i++) {
    feed('auth', 'stdout', `auth ${i}`);
    feed('web', 'stdout', `web ${i}`);
  }
  const all = page.lines();
  const newest = page.lines(undefined, 3);
  expect(newest).toHaveLength(3);
  expect(newest.at(-1)?.seq).toBe(10);
  expect(newest.map((l) => l.seq)).toEqual(all.slice(-3).map((l) => l.seq));
});
