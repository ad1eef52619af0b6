import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RuntimeStateFile } from '../../../src/services/runtime-state.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'devup-state-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('RuntimeStateFile', () => {
  it('writes the current services (creating the directory) and removes the file', () => {
    const file = path.join(dir, '.devup', 'services.json');
    const state = new RuntimeStateFile(file);
    state.write([{ name: 'api', status: 'starting', port: 4001 }]);
    state.write([{ name: 'api', status: 'ready', pid: 123, port: 4001, url: 'http://localhost:4001', readyMs: 80 }]);
    const written = JSON.parse(readFileSync(file, 'utf8'));
    expect(written).toMatchObject({
      pid: process.pid,
      services: [{ name: 'api', status: 'ready', pid: 123, port: 4001, url: 'http://localhost:4001', readyMs: 80 }],
    });
    expect(Number.isNaN(Date.parse(written.startedAt))).toBe(false);
    expect(readdirSync(path.dirname(file))).toEqual(['services.json']); // no temporary file left
    state.remove();
    expect(existsSync(file)).toBe(false);
    state.remove();
  });
});
