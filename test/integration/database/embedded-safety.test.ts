import { chmodSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { EmbeddedEngine } from '../../../src/database/embedded/embedded-engine.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { embeddedSettings } from '../helpers/embedded-settings.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

const settings = (dataDir: string) => embeddedSettings(dataDir);

it('never deletes a data directory it did not create', async () => {
  ws = createWorkspace({ 'src/index.ts': 'precious', 'data/notes.txt': 'precious' });
  const engine = new EmbeddedEngine(settings(ws.dir));
  await expect(engine.listDestroyable()).rejects.toThrow(/was not created by devup/);
  await expect(engine.destroy()).rejects.toThrow(/was not created by devup/);
  const { readFileSync } = await import('node:fs');
  expect(readFileSync(`${ws.dir}/src/index.ts`, 'utf8')).toBe('precious');
  expect(readFileSync(`${ws.dir}/data/notes.txt`, 'utf8')).toBe('precious');
});

it('refuses to initialise over a non-empty directory instead of clearing it', async () => {
  ws = createWorkspace({ 'pg/data/notes.txt': 'precious' });
  chmodSync(ws.dir, 0o755);
  const error = await new EmbeddedEngine(settings(`${ws.dir}/pg`)).start({ notice: () => {} }).catch((e) => e);
  expect(error.message).toMatch(/is not empty, and it is not a Postgres cluster/);
  const { readFileSync } = await import('node:fs');
  expect(readFileSync(`${ws.dir}/pg/data/notes.txt`, 'utf8')).toBe('precious');
});

it('never deletes a marked data directory that holds the config file or a migration directory', async () => {
  ws = createWorkspace({
    'devup.config.json': '{}',
    'migrations/0001_a.sql': 'create table t (id int);',
    '.devup-embedded': 'created by devup for x\n',
  });
  const engine = new EmbeddedEngine(settings(ws.dir), [`${ws.dir}/devup.config.json`, `${ws.dir}/migrations`]);
  await expect(engine.listDestroyable()).rejects.toThrow(/contains .*devup\.config\.json/);
  await expect(engine.destroy()).rejects.toThrow(/contains .*devup\.config\.json/);
  const { existsSync } = await import('node:fs');
  expect(existsSync(`${ws.dir}/migrations/0001_a.sql`)).toBe(true);
});
