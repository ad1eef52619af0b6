import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { defaultPassword, LEGACY_DEFAULT_PASSWORD, savePassword } from '../../../src/config/default-password.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

it('proposes a random password without writing anything; once saved (0600) it is the one used', () => {
  ws = createWorkspace();
  const stateDir = path.join(ws.dir, '.devup');
  const proposed = defaultPassword(stateDir);
  expect(proposed.password).toMatch(/^[a-z2-9]{24}$/);
  expect(proposed.unsavedIn).toBe(path.join(stateDir, 'password'));
  expect(existsSync(stateDir)).toBe(false);
  expect(defaultPassword(stateDir).password).not.toBe(proposed.password);

  expect(savePassword(proposed.unsavedIn as string, proposed.password)).toBe(proposed.password);
  expect(statSync(path.join(stateDir, 'password')).mode & 0o777).toBe(0o600);
  expect(defaultPassword(stateDir)).toEqual({ password: proposed.password });
  // A second devup that proposed another one adopts the saved one.
  expect(savePassword(proposed.unsavedIn as string, 'another')).toBe(proposed.password);
});

it('keeps the old default for a server an earlier devup created', () => {
  ws = createWorkspace({ '.devup/engine.json': '{}' });
  expect(defaultPassword(path.join(ws.dir, '.devup'))).toEqual({ password: LEGACY_DEFAULT_PASSWORD });
  writeFileSync(path.join(ws.dir, '.devup', 'password'), 'chosen\n');
  expect(defaultPassword(path.join(ws.dir, '.devup'))).toEqual({ password: 'chosen' });
});
