import { afterEach, expect, it, vi } from 'vitest';
import { type ConnectionInfo, connectionUrl } from '../../../src/database/connection/connection.js';
import { processesUnder, startCli } from '../../e2e/demo-helpers.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { withTestDatabase } from '../helpers/database.js';

let db: ConnectionInfo;
let ws: Workspace;
withTestDatabase((created) => {
  db = created;
});
afterEach(() => {
  // Whatever a failed assertion left: this test's processes only (found by their directory).
  for (const p of processesUnder(ws.dir)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  ws?.cleanup();
});

const env = { ...process.env, CI: 'true' };
/** The services' processes (devup itself runs in the workspace's root, not under these). */
const pids = (dir: string) => ['worker', 'forker'].flatMap((sub) => processesUnder(`${dir}/${sub}`)).map((p) => p.pid);

// A port-less worker that forks a daemon into a session of its own (setsid, as node's detached does),
// and a second port-less worker: neither is a port check away from being found.
const FILES = {
  'worker/idle.mjs': 'setInterval(() => {}, 1000);\n',
  'forker/fork.mjs': [
    "import { spawn } from 'node:child_process';",
    "spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' }).unref();",
    "console.log('forked a daemon');",
    'setInterval(() => {}, 1000);',
    '',
  ].join('\n'),
};

function writeConfig(extra: Record<string, unknown> = {}) {
  ws.write(
    'devup.config.json',
    JSON.stringify({
      database: { engine: 'external', url: connectionUrl(db) },
      services: {
        worker: { cwd: 'worker', command: ['node', 'idle.mjs'] },
        forker: { cwd: 'forker', command: ['node', 'fork.mjs'], ready: { log: 'forked a daemon' } },
        ...extra,
      },
    }),
  );
}

it('the next devup dev stops what a kill -9 of the last one left running, saying so in one line', async () => {
  ws = createWorkspace(FILES);
  writeConfig();
  const first = startCli(['dev'], { cwd: ws.dir, env });
  await first.waitFor(/All services ready/);
  // worker, forker and forker's setsid daemon.
  await vi.waitFor(() => expect(pids(ws.dir)).toHaveLength(3));
  first.child.kill('SIGKILL');
  await first.exited;
  const orphans = pids(ws.dir);
  expect(orphans).toHaveLength(3);

  const second = startCli(['dev'], { cwd: ws.dir, env });
  try {
    await second.waitFor(/All services ready/);
    expect(second.output()).toMatch(
      new RegExp(
        `Stopped 3 processes left running by the devup dev that ended without stopping its services \\(pid ${first.child.pid}, `,
      ),
    );
    const now = pids(ws.dir);
    expect(now.filter((pid) => orphans.includes(pid))).toEqual([]);
    // Each worker runs once: the first session's ones are gone, this session's are up.
    await vi.waitFor(() => expect(pids(ws.dir)).toHaveLength(3));
  } finally {
    second.child.kill('SIGINT');
    await second.exited;
  }
  expect(second.output()).toMatch(
    /stopped 1 process that services had detached from their process group: pid \d+ \(sleep 1000\)/,
  );
  expect(second.output()).toContain('Services stopped.');
  expect(pids(ws.dir)).toEqual([]);
});

it('Ctrl-C while a tenants.command hangs ends that command too', async () => {
  ws = createWorkspace({ ...FILES, 'api/migrations/0001_init.sql': 'create table t (id int);\n' });
  writeConfig({
    api: {
      cwd: 'api',
      migrations: { dir: 'migrations', tenants: { command: 'sleep 1000; echo acme' } },
    },
  });
  const cli = startCli(['dev'], { cwd: ws.dir, env });
  await vi.waitFor(() => expect(processesUnder(`${ws.dir}/api`).length).toBeGreaterThan(0), { timeout: 30_000 });
  cli.child.kill('SIGINT');
  expect(await cli.exited).toBe(130);
  // SIGKILL to its group is sent as devup exits; the kernel ends it a moment later.
  await vi.waitFor(() => expect(processesUnder(`${ws.dir}/api`)).toEqual([]));
});
