import { chmodSync } from 'node:fs';
import { afterEach, expect, it, vi } from 'vitest';
import { connect } from '../../src/database/connection/connection.js';
import { freePort } from '../helpers/ports.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { runCli, startCli } from './demo-helpers.js';

let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

const env = { ...process.env, CI: 'true' };

it('a devup dev started while `reset --yes --no-start` drops the databases waits for it, and both end well', async () => {
  const port = await freePort(52300);
  const raw = {
    project: 'harden-copies-race',
    database: { engine: 'embedded', port, password: 'race-pw' },
    services: {
      api: { command: ['node', '-e', 'setInterval(() => {}, 1000)'], migrations: { dir: 'm' } },
    },
  };
  ws = createWorkspace({
    'devup.config.json': JSON.stringify(raw),
    'm/0001_items.sql': 'create table items (id int);',
  });
  chmodSync(ws.dir, 0o755);
  const database = ws.config(raw).database.database;
  const migrated = await runCli(['migrate'], { cwd: ws.dir, env });
  expect(migrated.code, migrated.output).toBe(0);

  const server = { host: '127.0.0.1', port, user: 'devup', password: 'race-pw', database: 'postgres' };
  const maintenance = await connect(server);
  const holder = await connect(server);
  let dev: ReturnType<typeof startCli> | undefined;
  try {
    // Held here, the reset's drop of the main database waits: the moment a dev started 0.3 s later hit.
    await holder.query(`begin; comment on database "${database}" is null`);
    const reset = startCli(['reset', '--yes', '--no-start'], { cwd: ws.dir, env });
    await vi.waitFor(
      async () => {
        const { rows } = await maintenance.query(
          "select 1 from pg_stat_activity where wait_event_type = 'Lock' and starts_with(query, 'drop database')",
        );
        expect(rows).toHaveLength(1);
      },
      { timeout: 60_000, interval: 25 },
    );
    dev = startCli(['dev'], { cwd: ws.dir, env });
    await dev.waitFor(new RegExp(`Waiting for the running devup reset \\(pid ${reset.child.pid}\\) to finish`));
    await holder.query('rollback');
    expect(await reset.exited, reset.output()).toBe(0);
    expect(reset.output()).toMatch(/✔ Dropped /);
    await dev.waitFor(/ready in/);
    expect(dev.output()).toMatch(/Postgres ready: .*already running/);
  } finally {
    await holder.end().catch(() => {});
    await maintenance.end().catch(() => {});
    if (dev) {
      dev.child.kill('SIGINT');
      expect(await dev.exited, dev.output()).not.toBe(70);
    }
    await runCli(['down', '--volumes', '--yes'], { cwd: ws.dir, env });
  }
});
