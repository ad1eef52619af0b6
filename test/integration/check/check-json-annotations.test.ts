import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, expect, it } from 'vitest';
import { connectionUrl } from '../../../src/database/connection/connection.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { testServer } from '../helpers/database.js';

// The built CLI (dist): `npm run build` first.
const cli = path.resolve(import.meta.dirname, '../../../bin/devup.js');
let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

it('check --json in GitHub Actions: stdout is the JSON report alone, the annotations go to stderr (the runner reads both)', async () => {
  ws = createWorkspace({
    'orders/migrations/0001_orders.sql': 'create table orders (id int primary key);\n',
    'orders/migrations/0002_bad.sql': '-- a typo\nalter table orders add column total numberic;\n',
  });
  ws.write(
    'devup.config.json',
    JSON.stringify({
      project: 'check-json',
      database: { engine: 'external', url: connectionUrl({ ...testServer(), database: 'postgres' }) },
      services: { orders: { cwd: 'orders', migrations: { dir: 'migrations' } } },
    }),
  );
  const run = promisify(execFile)(process.execPath, [cli, 'check', '--json', '--engine', 'external'], {
    cwd: ws.dir,
    env: { ...process.env, GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: ws.dir },
  });
  const failed = (await run.catch((error: unknown) => error)) as { code: number; stdout: string; stderr: string };
  expect(failed.code, failed.stderr).toBe(1);
  const report = JSON.parse(failed.stdout) as { ok: boolean };
  expect(report.ok).toBe(false);
  expect(failed.stdout).not.toContain('::error');
  expect(failed.stderr).toMatch(
    /^::error file=orders\/migrations\/0002_bad\.sql,line=2,title=devup check%3A orders apply::migration 0002_bad failed/m,
  );
});
