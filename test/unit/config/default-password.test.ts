import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { defaultPassword, LEGACY_DEFAULT_PASSWORD } from '../../../src/config/default-password.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

it('generates a password per checkout, keeps it in .devup/password (0600), and returns it again', () => {
  ws = createWorkspace();
  const stateDir = path.join(ws.dir, '.devup');
  const first = defaultPassword(stateDir);
  expect(first).toMatch(/^[a-z2-9]{24}$/);
  expect(first).not.toBe(LEGACY_DEFAULT_PASSWORD);
  expect(statSync(path.join(stateDir, 'password')).mode & 0o777).toBe(0o600);
  expect(defaultPassword(stateDir)).toBe(first);
  const other = createWorkspace();
  try {
    expect(defaultPassword(path.join(other.dir, '.devup'))).not.toBe(first);
  } finally {
    other.cleanup();
  }
});

it('keeps the old default for a server an earlier devup created, and creates no directory above the checkout', () => {
  ws = createWorkspace({ '.devup/engine.json': '{}' });
  expect(defaultPassword(path.join(ws.dir, '.devup'))).toBe(LEGACY_DEFAULT_PASSWORD);
  writeFileSync(path.join(ws.dir, '.devup', 'password'), 'chosen\n');
  expect(defaultPassword(path.join(ws.dir, '.devup'))).toBe('chosen');
  expect(defaultPassword(path.join(ws.dir, 'missing', '.devup'))).toBe(LEGACY_DEFAULT_PASSWORD);
});
