import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { EmbeddedEngine } from '../../../../src/database/embedded/embedded-engine.js';
import { createWorkspace, type Workspace } from '../../../helpers/workspace.js';
import { embeddedSettings } from '../../helpers/embedded-settings.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

const settings = (dataDir: string) => embeddedSettings(dataDir);

it("removes the password file an interrupted initdb left behind, and keeps a live run's", async () => {
  const dead = spawnSync('true').pid;
  const live = process.ppid; // another devup, still initialising
  // What a devup killed during initdb leaves: a half-made cluster and its password file.
  ws = createWorkspace({ 'pg/data/global/1': '', [`pg/.pw-${dead}`]: 'secret\n', [`pg/.pw-${live}`]: 'other\n' });
  chmodSync(ws.dir, 0o755);
  const error = await new EmbeddedEngine(settings(`${ws.dir}/pg`)).start({ notice: () => {} }).catch((e) => e);
  expect(error.message).toMatch(/is not empty, and it is not a Postgres cluster/);
  expect(existsSync(`${ws.dir}/pg/.pw-${dead}`)).toBe(false);
  expect(existsSync(`${ws.dir}/pg/.pw-${live}`)).toBe(true);
});
