import { randomBytes } from 'node:crypto';
import { chmodSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { runCli } from '../../e2e/demo-helpers.js';
import { freePort } from '../../helpers/ports.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { dockerStatus, removeTestResources, TEST_IMAGE } from '../helpers/docker.js';

const docker = await dockerStatus();

let ws: Workspace | undefined;
afterEach(async () => {
  if (ws) await runCli(['down'], { cwd: ws.dir, env: { ...process.env, CI: 'true' } });
  ws?.cleanup();
});

it('parallel first runs of one project share one new embedded cluster instead of deleting each other’s', async () => {
  ws = createWorkspace({ 'm/0001_a.sql': 'create table a (id int);' });
  chmodSync(ws.dir, 0o755);
  ws.write(
    'devup.config.json',
    JSON.stringify({
      database: { engine: 'embedded', port: await freePort(56300, 500) },
      services: { api: { migrations: { dir: 'm' } } },
    }),
  );
  const env = { ...process.env, CI: 'true' };
  const runs = await Promise.all([1, 2, 3].map(() => runCli(['migrate'], { cwd: ws!.dir, env })));
  for (const run of runs) expect(run.code, run.output).toBe(0);
  expect(runs.filter((r) => /Postgres ready: .*\(created,/.test(r.output))).toHaveLength(1);
});

it.skipIf(!docker.available)(
  'parallel first runs of one project share one new container instead of racing on its name',
  async () => {
    const project = `devupt${randomBytes(3).toString('hex')}-par`;
    ws = createWorkspace({ 'm/0001_a.sql': 'create table a (id int);' });
    ws.write(
      'devup.config.json',
      JSON.stringify({
        project,
        database: { engine: 'docker', image: TEST_IMAGE, port: await freePort(57000, 2000) },
        services: { api: { migrations: { dir: 'm' } } },
      }),
    );
    const env = { ...process.env, CI: 'true' };
    try {
      const runs = await Promise.all([1, 2, 3].map(() => runCli(['migrate'], { cwd: ws!.dir, env })));
      for (const run of runs) expect(run.code, run.output).toBe(0);
      expect(runs.filter((r) => /Postgres ready: .*\(created,/.test(r.output))).toHaveLength(1);
    } finally {
      await removeTestResources(project);
    }
  },
);
