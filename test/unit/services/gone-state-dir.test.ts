import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogStore } from '../../../src/services/log-store.js';
import { RuntimeStateFile } from '../../../src/services/runtime-state.js';

// Issue 26 item 8: a session whose checkout was moved away writes nothing that recreates the old path.
describe('a state directory that vanished while the session ran', () => {
  const dirs: string[] = [];
  const scratch = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'devup-gone-'));
    dirs.push(dir);
    return path.join(dir, '.devup');
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('the log store drops lines instead of making .devup/logs again', () => {
    const state = scratch();
    const store = new LogStore(path.join(state, 'logs'));
    store.reset();
    store.append('api', 'stdout', 'before');
    rmSync(state, { recursive: true });
    store.append('web', 'stdout', 'after, a new file');
    store.append('api', 'stdout', 'after, an open file');
    store.close();
    expect(existsSync(state)).toBe(false);
  });

  it('the runtime state file is not written again once its directory is gone', () => {
    const state = scratch();
    const file = new RuntimeStateFile(path.join(state, 'services.json'));
    file.write([]);
    expect(existsSync(file.file)).toBe(true);
    rmSync(state, { recursive: true });
    file.write([]);
    file.remove();
    expect(existsSync(state)).toBe(false);
  });

  it('the first write still makes the directory', () => {
    const state = scratch();
    new RuntimeStateFile(path.join(state, 'services.json')).write([]);
    expect(existsSync(path.join(state, 'services.json'))).toBe(true);
  });
});
