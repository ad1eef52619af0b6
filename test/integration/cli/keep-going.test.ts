import { afterEach, expect, it } from 'vitest';
import { type ConnectionInfo, connectionUrl } from '../../../src/database/connection/connection.js';
import { startCli } from '../../e2e/demo-helpers.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { withTestDatabase } from '../helpers/database.js';

let db: ConnectionInfo;
let ws: Workspace;
withTestDatabase((created) => {
  db = created;
});
afterEach(() => ws?.cleanup());

it('devup dev --keep-going: the others come up, the ready line names the one that is down, Ctrl-C stops all', async () => {
  ws = createWorkspace({
    'api/idle.mjs': "console.log('up');\nsetInterval(() => {}, 1000);\n",
    'broken/crash.mjs': "console.error('boom: no settings');\nprocess.exit(3);\n",
  });
  ws.write(
    'devup.config.json',
    JSON.stringify({
      database: { engine: 'external', url: connectionUrl(db) },
      services: {
        api: { cwd: 'api', command: ['node', 'idle.mjs'], ready: { log: 'up' } },
        broken: { cwd: 'broken', command: ['node', 'crash.mjs'], ready: { log: 'up' } },
      },
    }),
  );
  const cli = startCli(['dev', '--keep-going'], { cwd: ws.dir, env: { ...process.env, CI: 'true' } });
  try {
    await cli.waitFor(/services ready/);
    await cli.waitFor(/Press Ctrl-C/);
    expect(cli.output()).toMatch(/! 1 of 2 services ready in .*; down: broken \(keep-going/);
    expect(cli.output()).toContain('broken *   boom: no settings');
  } finally {
    cli.child.kill('SIGINT');
  }
  expect(await cli.exited).toBe(0);
  expect(cli.output()).toContain('Services stopped.');
});
