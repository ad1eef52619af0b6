import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { processStart } from '../../../src/process-identity.js';
import { claimDevSession, readDevSession } from '../../../src/services/dev-session.js';
import { RuntimeStateFile } from '../../../src/services/runtime-state.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';

let ws: Workspace;
let stranger: ChildProcess | undefined;
afterEach(() => {
  stranger?.kill();
  stranger = undefined;
  ws?.cleanup();
});

/** A live process other than this one, with the start time the system reports for it. */
function otherProcess(): { pid: number; started: string } {
  stranger = spawn('sleep', ['60'], { stdio: 'ignore' });
  const pid = stranger.pid as number;
  const started = processStart(pid);
  if (started === undefined) throw new Error('the child process is not visible');
  return { pid, started };
}

it('refuses a second session while the one that claimed the project runs, naming it', async () => {
  ws = createWorkspace();
  const other = otherProcess();
  ws.write('.devup/dev-session.json', JSON.stringify({ ...other, startedAt: '2026-01-01T09:00:00.000Z' }));
  ws.write(
    '.devup/services.json',
    JSON.stringify({ pid: other.pid, startedAt: 'x', services: [{ name: 'api', status: 'ready' }] }),
  );
  await expect(claimDevSession(`${ws.dir}/.devup`)).rejects.toThrow(
    `devup dev is already running for this project (pid ${other.pid}, since 2026-01-01T09:00:00.000Z)`,
  );
  expect(readDevSession(`${ws.dir}/.devup`)).toMatchObject({ pid: other.pid, services: [{ name: 'api' }] });
  // Its files are untouched.
  expect(existsSync(`${ws.dir}/.devup/services.json`)).toBe(true);
});

it('takes over a claim whose pid now belongs to another program (same pid, other start time)', async () => {
  ws = createWorkspace();
  const other = otherProcess();
  ws.write('.devup/dev-session.json', JSON.stringify({ pid: other.pid, started: '1', startedAt: 'x' }));
  expect(readDevSession(`${ws.dir}/.devup`)).toBeUndefined();
  const { release } = await claimDevSession(`${ws.dir}/.devup`);
  expect(readDevSession(`${ws.dir}/.devup`)?.pid).toBe(process.pid);
  release();
  expect(existsSync(`${ws.dir}/.devup/dev-session.json`)).toBe(false);
});

it('takes over a claim whose process is gone', async () => {
  ws = createWorkspace({
    '.devup/dev-session.json': JSON.stringify({ pid: 2 ** 22 + 7, started: '1', startedAt: 'x' }),
  });
  expect(readDevSession(`${ws.dir}/.devup`)).toBeUndefined();
  (await claimDevSession(`${ws.dir}/.devup`)).release();
});

it("a session removes only its own files, never another session's", async () => {
  ws = createWorkspace();
  const { release } = await claimDevSession(`${ws.dir}/.devup`);
  const other = otherProcess();
  const theirs = JSON.stringify({ ...other, startedAt: 'x' });
  ws.write('.devup/dev-session.json', theirs);
  release();
  expect(readFileSync(`${ws.dir}/.devup/dev-session.json`, 'utf8')).toBe(theirs);

  const state = new RuntimeStateFile(`${ws.dir}/.devup/services.json`);
  ws.write('.devup/services.json', JSON.stringify({ pid: other.pid, startedAt: 'x', services: [] }));
  state.remove();
  expect(existsSync(`${ws.dir}/.devup/services.json`)).toBe(true);
  state.write([]);
  state.remove();
  expect(existsSync(`${ws.dir}/.devup/services.json`)).toBe(false);
});
