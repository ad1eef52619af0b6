import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { withClient } from '../../../src/database/connection/connection.js';
import { EmbeddedEngine } from '../../../src/database/embedded/embedded-engine.js';
import { freePort } from '../../helpers/ports.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { embeddedSettings } from '../helpers/embedded-settings.js';

let ws: Workspace;
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  ws?.cleanup();
});

const settings = (dataDir: string, port = 1) => embeddedSettings(dataDir, { port, readyTimeoutMs: 60_000 });

async function poll(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
}

/** A live process that is not Postgres: what a reused pid looks like. */
function stranger(): number {
  const child = spawn('sleep', ['120'], { stdio: 'ignore' });
  children.push(child);
  return child.pid as number;
}

/** A zombie: the child of a process that never reaps it. */
async function zombie(): Promise<number> {
  const parent = spawn('sh', ['-c', 'sleep 0 & exec sleep 120'], { stdio: 'ignore' });
  children.push(parent);
  const childrenFile = `/proc/${parent.pid}/task/${parent.pid}/children`;
  let pid = 0;
  await poll(() => {
    pid = Number(readFileSync(childrenFile, 'utf8').trim().split(' ')[0] || 0);
    return pid > 0 && readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') === true;
  });
  return pid;
}

function writePidFile(dataDir: string, pid: number): void {
  writeFileSync(`${dataDir}/data/postmaster.pid`, `${pid}\n${dataDir}/data\n1700000000\n1\n`);
}

it('a postmaster.pid naming a zombie or a reused pid is not a running server', async () => {
  ws = createWorkspace({ 'pg/data/PG_VERSION': '17\n', 'pg/.devup-embedded': 'x\n' });
  const engine = new EmbeddedEngine(settings(`${ws.dir}/pg`));
  writePidFile(`${ws.dir}/pg`, await zombie());
  expect((await engine.status()).state).toBe('stopped');
  writePidFile(`${ws.dir}/pg`, stranger());
  expect((await engine.status()).state).toBe('stopped');
  expect(await engine.stop()).toBe('not-running');
});

it('starts the cluster again after a crash left a pid file whose pid another program now has', async () => {
  ws = createWorkspace();
  chmodSync(ws.dir, 0o755);
  const dataDir = `${ws.dir}/pg`;
  const engine = new EmbeddedEngine(settings(dataDir, await freePort(56200, 500)));
  try {
    await engine.start({ notice: () => {} });
    expect(await engine.stop()).toBe('stopped');
    writePidFile(dataDir, stranger());
    const running = await engine.start({ notice: () => {} });
    expect(running.action).toBe('started');
    const { rows } = await withClient({ ...running.connection, database: 'postgres' }, (c) =>
      c.query('select 1 as one'),
    );
    expect(rows).toEqual([{ one: 1 }]);
    expect(Number(readFileSync(`${dataDir}/data/postmaster.pid`, 'utf8').split('\n')[0])).not.toBe(children[0]?.pid);
  } finally {
    await engine.stop().catch(() => {});
  }
  expect(existsSync(`${dataDir}/data/PG_VERSION`)).toBe(true);
});
