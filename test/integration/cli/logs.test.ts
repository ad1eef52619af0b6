import { afterEach, expect, it } from 'vitest';
import { type ConnectionInfo, connectionUrl } from '../../../src/database/connection/connection.js';
import { runCli, startCli } from '../../e2e/demo-helpers.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { withTestDatabase } from '../helpers/database.js';

let db: ConnectionInfo;
let ws: Workspace;
withTestDatabase((created) => {
  db = created;
});
afterEach(() => ws?.cleanup());

const env = { ...process.env, CI: 'true' };

it('devup logs from another terminal: the session’s lines, -f follows one service, and the last session’s logs once it stopped', async () => {
  ws = createWorkspace({
    // A tick every 50 ms, so following sees lines written after it started.
    'api/tick.mjs': "let n = 0;\nconsole.log('api up');\nsetInterval(() => console.log(`tick ${++n}`), 50);\n",
    'worker/idle.mjs': "console.error('worker warming up');\nconsole.log('worker up');\nsetInterval(() => {}, 1000);\n",
  });
  ws.write(
    'devup.config.json',
    JSON.stringify({
      database: { engine: 'external', url: connectionUrl(db) },
      services: {
        api: { cwd: 'api', command: ['node', 'tick.mjs'], ready: { log: 'api up' } },
        worker: { cwd: 'worker', command: ['node', 'idle.mjs'], ready: { log: 'worker up' } },
      },
    }),
  );
  const unknown = await runCli(['logs', 'nope'], { cwd: ws.dir, env });
  expect(unknown.code).toBe(1);
  expect(unknown.output).toContain('devup logs: no service named nope');

  const dev = startCli(['dev'], { cwd: ws.dir, env });
  try {
    await dev.waitFor(/tick 3\n/);
    const all = await runCli(['logs'], { cwd: ws.dir, env });
    expect(all.code).toBe(0);
    expect(all.output).toContain('api    | api up');
    expect(all.output).toContain('worker ! worker warming up');
    expect(all.output).toContain('api    | tick 1');
    expect(all.output).not.toContain('not running');

    const follow = startCli(['logs', '-f', 'api'], { cwd: ws.dir, env });
    await follow.waitFor(/api \| tick \d+\n/);
    const seen = Number([...follow.output().matchAll(/tick (\d+)\n/g)].at(-1)?.[1]);
    // A tick printed after `logs -f` started reaches it.
    await follow.waitFor(new RegExp(`api \\| tick ${seen + 3}\\n`));
    expect(follow.output()).not.toContain('worker');
    follow.child.kill('SIGINT');
    expect(await follow.exited).toBe(0);
  } finally {
    dev.child.kill('SIGINT');
    await dev.exited;
  }
  const last = await runCli(['logs', 'worker'], { cwd: ws.dir, env });
  expect(last.code).toBe(0);
  expect(last.output).toContain('worker | worker up');
  expect(last.output).toContain('devup dev is not running: these are the logs of its last session.');
});
