import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { writeJsonAtomic } from '../../../src/lib/atomic-json.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'devup-atomic-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('creates the directory, replaces the file whole and leaves no temporary file', () => {
  const file = path.join(dir, 'state', 'engine.json');
  writeJsonAtomic(file, { engine: 'docker' });
  writeJsonAtomic(file, { engine: 'embedded', tenants: ['a'] });
  expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ engine: 'embedded', tenants: ['a'] });
  expect(readFileSync(file, 'utf8').endsWith('}\n')).toBe(true);
  expect(readdirSync(path.dirname(file))).toEqual(['engine.json']);
});

it('leaves no temporary file behind when the rename fails', () => {
  const target = path.join(dir, 'a-directory');
  writeJsonAtomic(path.join(target, 'x.json'), 1); // makes `target` a non-empty directory
  expect(() => writeJsonAtomic(target, { any: 'thing' })).toThrow();
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});
