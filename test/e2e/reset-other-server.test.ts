import { chmodSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { runCli } from './demo-helpers.js';

const made: Workspace[] = [];
const env = { ...process.env, CI: 'true', DEVUP_NO_BACKGROUND_TIDY: '1' };
afterAll(async () => {
  for (const ws of made) {
    await runCli(['down', '--volumes', '--yes'], { cwd: ws.dir, env });
    ws.cleanup();
  }
});

function project(name: string, port: number): Workspace {
  const ws = createWorkspace({ 'api/migrations/0001_notes.sql': 'create table notes (id int primary key);' });
  chmodSync(ws.dir, 0o755); // as root, the embedded server's user must reach .devup/
  writeConfig(ws, name, port);
  made.push(ws);
  return ws;
}

function writeConfig(ws: Workspace, name: string, port: number): void {
  ws.write(
    'devup.config.json',
    JSON.stringify({
      project: name,
      ports: 'fixed',
      database: { engine: 'embedded', port },
      services: { api: { cwd: 'api', migrations: { dir: 'migrations' } } },
    }),
  );
}

it("a checkout pointed at another checkout's port: its running cluster is named, and reset destroys nothing", async () => {
  const portA = await freePort(53_000, 400);
  const portB = await freePort(53_500, 400);
  const a = project('harden-inputs-a', portA);
  const b = project('harden-inputs-b', portB);
  const run = (ws: Workspace, ...args: string[]) => runCli(args, { cwd: ws.dir, env });
  for (const ws of [a, b]) {
    const first = await run(ws, 'migrate');
    expect(first.code, first.output).toBe(0);
  }

  // What a lost checkouts list did: b's config now names a's port while b's own server runs on its own.
  writeConfig(b, 'harden-inputs-b', portA);
  const migrate = await run(b, 'migrate');
  expect(migrate.code).toBe(1);
  expect(migrate.output).toContain(`runs on port ${portB}, but database.port is now ${portA}`);
  expect(migrate.output).not.toContain('other credentials');

  const reset = await run(b, 'reset', '--yes');
  expect(reset.code).toBe(1);
  expect(reset.output).toContain(`port ${portA} is answered by`);
  expect(reset.output).toContain("that is not this checkout's embedded cluster: the reset destroys nothing");
  expect(reset.output).not.toContain('does not start');
  expect(existsSync(path.join(b.dir, '.devup/postgres/data/PG_VERSION'))).toBe(true);

  // Back on its own port, b's data is all there: nothing was applied again.
  writeConfig(b, 'harden-inputs-b', portB);
  const status = await run(b, 'migrate', 'status', '--exit-code');
  expect(status.code, status.output).toBe(0);
  expect((await run(a, 'migrate', 'status', '--exit-code')).code).toBe(0);
});
