import { existsSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { type ConnectionInfo, connectionUrl } from '../../../src/database/connection/connection.js';
import { processesUnder, runCli, startCli } from '../../e2e/demo-helpers.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { withTestDatabase } from '../helpers/database.js';

let db: ConnectionInfo;
let ws: Workspace;
withTestDatabase((created) => {
  db = created;
});
afterEach(() => ws?.cleanup());

it('a second devup dev of one project refuses up front, naming the first, and leaves its session alone', async () => {
  ws = createWorkspace({ 'worker/idle.mjs': 'setInterval(() => {}, 1000);\n' });
  ws.write(
    'devup.config.json',
    JSON.stringify({
      database: { engine: 'external', url: connectionUrl(db) },
      services: { worker: { cwd: 'worker', command: ['node', 'idle.mjs'] } },
    }),
  );
  const env = { ...process.env, CI: 'true' };
  const first = startCli(['dev'], { cwd: ws.dir, env });
  let second: ReturnType<typeof startCli> | undefined;
  try {
    await first.waitFor(/All services ready/);
    second = startCli(['dev'], { cwd: ws.dir, env });
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`devup dev is already running for this project (pid ${first.child.pid}`);
    expect(second.output()).not.toMatch(/Postgres ready/);
    expect(existsSync(`${ws.dir}/.devup/services.json`)).toBe(true);
    expect(processesUnder(`${ws.dir}/worker`)).toHaveLength(1);
    const status = await runCli(['status'], { cwd: ws.dir, env });
    expect(status.output).toContain(`devup dev running (pid ${first.child.pid}`);
  } finally {
    second?.child.kill('SIGINT');
    first.child.kill('SIGINT');
    await Promise.all([first.exited, second?.exited]);
  }
  expect(existsSync(`${ws.dir}/.devup/dev-session.json`)).toBe(false);
});
