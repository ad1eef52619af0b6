import { spawn } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import { devSessionFile, readDevSession } from '../../../src/services/dev-session.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

it('ignores a session file whose pid now belongs to another program', async () => {
  ws = createWorkspace();
  const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    ws.write('.devup/services.json', JSON.stringify({ pid: stranger.pid, startedAt: 'x', services: [] }));
    expect(devSessionFile(`${ws.dir}/.devup`)).toBe(`${ws.dir}/.devup/services.json`);
    expect(readDevSession(`${ws.dir}/.devup`)).toBeUndefined();
  } finally {
    stranger.kill();
  }
});

it('ignores a session file whose pid is gone', () => {
  ws = createWorkspace({ '.devup/services.json': JSON.stringify({ pid: 2 ** 22 + 7, startedAt: 'x', services: [] }) });
  expect(readDevSession(`${ws.dir}/.devup`)).toBeUndefined();
});
