import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
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

it('first runs racing to save their proposals all end up with the one saved first', async () => {
  ws = createWorkspace();
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const rounds = 150;
  // Each child proposes its own password for the same 150 files, starting together: every file
  // must end with one password, the one each child was told.
  const script = `
    const { createJiti } = await import('jiti');
    const { savePassword } = await createJiti(import.meta.url).import('./src/config/default-password.ts');
    const [dir, name, go] = process.argv.slice(1);
    const { existsSync } = await import('node:fs');
    while (!existsSync(go)) await new Promise((r) => setImmediate(r));
    const got = [];
    for (let i = 0; i < ${rounds}; i++) got.push(savePassword(dir + '/p' + i, name + i));
    process.stdout.write(JSON.stringify(got));
  `;
  const go = path.join(ws.dir, 'go');
  const children = ['a', 'b', 'c', 'd'].map((name) =>
    promisify(execFile)(process.execPath, ['--input-type=module', '--eval', script, ws.dir, name, go], { cwd: root }),
  );
  // Started together once every child is up: the file appears after they were all spawned.
  writeFileSync(go, '');
  const results = (await Promise.all(children)).map((c) => JSON.parse(c.stdout) as string[]);
  for (let i = 0; i < rounds; i++) {
    const saved = readFileSync(path.join(ws.dir, `p${i}`), 'utf8').trim();
    for (const got of results) expect(got[i]).toBe(saved);
  }
  expect(readdirSync(ws.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});
