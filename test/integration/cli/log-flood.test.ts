import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, expect, it, vi } from 'vitest';
import { type ConnectionInfo, connectionUrl } from '../../../src/database/connection/connection.js';
import { CLI } from '../../e2e/demo-helpers.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { withTestDatabase } from '../helpers/database.js';

let db: ConnectionInfo;
let ws: Workspace;
withTestDatabase((created) => {
  db = created;
});
afterEach(() => ws?.cleanup());

// 100 MB of 100-byte lines as fast as the pipe takes them, then a file that says it is done.
const FLOOD = `import { writeFileSync } from 'node:fs';
const chunk = \`\${'x'.repeat(99)}\\n\`.repeat(1000);
let left = 1000;
console.log('flooding');
function go() {
  while (left > 0) {
    left--;
    if (!process.stdout.write(chunk)) return void process.stdout.once('drain', go);
  }
  process.stdout.write('flood done\\n', () => writeFileSync('done', ''));
  setInterval(() => {}, 1000);
}
go();
`;

function rssMb(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1]) / 1024;
}

it('a service printing 100 MB while devup’s stdout is read slowly: devup stays under 100 MB and counts what it dropped', async () => {
  ws = createWorkspace({ 'flood/flood.mjs': FLOOD });
  ws.write(
    'devup.config.json',
    JSON.stringify({
      database: { engine: 'external', url: connectionUrl(db) },
      services: { flood: { cwd: 'flood', command: ['node', 'flood.mjs'], ready: { log: 'flooding' } } },
    }),
  );
  const child = spawn(process.execPath, [CLI, 'dev'], {
    cwd: ws.dir,
    env: { ...process.env, CI: 'true' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let text = '';
  let fast = false;
  // A slow reader: 16 KB every 10 ms (1.6 MB/s) until the flood is over, then all of it.
  child.stdout.setEncoding('utf8');
  child.stdout.pause();
  const reader = setInterval(() => {
    if (!fast) text += child.stdout.read(16 * 1024) ?? '';
    else for (let chunk = child.stdout.read(); chunk !== null; chunk = child.stdout.read()) text += chunk;
  }, 10);
  let peak = 0;
  const sampler = setInterval(() => {
    if (existsSync(`/proc/${child.pid}/status`)) peak = Math.max(peak, rssMb(child.pid as number));
  }, 20);
  try {
    await vi.waitFor(() => expect(existsSync(`${ws.dir}/flood/done`)).toBe(true), { timeout: 120_000, interval: 50 });
    fast = true;
    await vi.waitFor(() => expect(text).toMatch(/lines? of service output dropped/), { timeout: 60_000 });
  } finally {
    clearInterval(sampler);
    child.kill('SIGINT');
    await exited;
    clearInterval(reader);
  }
  expect(peak).toBeGreaterThan(0);
  expect(peak).toBeLessThan(100);
  const dropped = Number(/devup: (\d+) lines? of service output dropped/.exec(text)?.[1]);
  expect(dropped).toBeGreaterThan(0);
});
