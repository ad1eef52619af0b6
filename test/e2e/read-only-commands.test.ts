import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { runCli } from './demo-helpers.js';

let ws: Workspace;
let stateHome: string;
afterEach(() => {
  ws?.cleanup();
  if (stateHome) rmSync(stateHome, { recursive: true, force: true });
});

/** Every file under a directory, relative, sorted. */
function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const file = path.join(at, name);
      if (statSync(file).isDirectory()) walk(file);
      else out.push(path.relative(dir, file));
    }
  };
  walk(dir);
  return out.sort();
}

it('status, migrate status and snapshot list write no file: no .env from .env.example, no cache, no checkout list, no infra password', async () => {
  const port = await freePort(55500, 400);
  ws = createWorkspace({
    'm/0001_a.sql': 'create table a (id int);\n',
    '.env.example': `DEVUP_TEST_PG_PORT=${port}\n`,
    // The port comes from .env (made from .env.example on a first real run): status must see it too.
    'devup.config.mjs': `export default {
  project: 'adoption-readonly',
  database: { engine: 'embedded', port: Number(process.env.DEVUP_TEST_PG_PORT) },
  // A preset with credentials: its password is only proposed until a devup dev starts it.
  infra: { queue: { kind: 'rabbitmq' } },
  services: { api: { migrations: { dir: 'm' } } },
};
`,
  });
  stateHome = mkdtempSync(path.join(os.tmpdir(), 'devup-state-ro-'));
  const env = { ...process.env, CI: 'true', DEVUP_STATE_HOME: stateHome };
  const before = files(ws.dir);
  const status = await runCli(['status'], { cwd: ws.dir, env });
  expect(status.output).toContain(`port ${port}`);
  expect(status.output).not.toContain('Created .env');
  expect(status.output).toMatch(/queue \(rabbitmq\): absent|infra: no Docker engine answers/);
  expect(status.code).toBe(0);
  const migrateStatus = await runCli(['migrate', 'status'], { cwd: ws.dir, env });
  expect(migrateStatus.output).toContain('is not created yet');
  // snapshot list creates no cluster to list what a cluster that does not exist holds.
  const snapshots = await runCli(['snapshot', 'list'], { cwd: ws.dir, env });
  expect(snapshots.output).toContain('Postgres (embedded) is absent: snapshots live inside its cluster');
  expect(snapshots.code).toBe(0);
  expect(files(ws.dir)).toEqual(before);
  expect(files(stateHome)).toEqual([]);
});
