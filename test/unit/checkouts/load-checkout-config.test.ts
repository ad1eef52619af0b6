import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { createContext } from '../../../src/app/context.js';
import { loadConfig } from '../../../src/index.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';

const made: Workspace[] = [];
afterEach(() => {
  for (const ws of made.splice(0)) ws.cleanup();
});

function checkout(project: string): Workspace {
  const ws = createWorkspace({
    'devup.config.json': JSON.stringify({
      project,
      database: { engine: 'embedded', port: 47432 },
      services: { api: { command: 'node server.js', port: 47001 } },
    }),
  });
  made.push(ws);
  return ws;
}

it('the programmatic loadConfig gives a second checkout the ports and names the CLI gives it', async () => {
  const project = `devup-lcc-${randomBytes(3).toString('hex')}`;
  const first = checkout(project);
  const second = checkout(project);
  expect((await loadConfig({ cwd: first.dir })).database.port).toBe(47432);

  const notices: string[] = [];
  const programmatic = await loadConfig({ cwd: second.dir, notice: (m) => notices.push(m) });
  expect(programmatic.database.port).not.toBe(47432);
  expect(programmatic.checkout?.moved).toBe(true);
  expect(notices.join('\n')).toMatch(/Another checkout of devup-lcc-\w+ .*holds its configured ports/);
  // The embedded engine runs no container: the notice names this checkout's own cluster.
  expect(notices.join('\n')).toContain(', and the embedded cluster in .devup/postgres (kept in .devup/checkout.json;');
  expect(notices.join('\n')).not.toContain('container');

  const previous = process.cwd();
  process.chdir(second.dir);
  try {
    const cli = await createContext({ json: true }).loadConfig();
    expect(cli.database.port).toBe(programmatic.database.port);
    expect(cli.database.dockerName).toBe(programmatic.database.dockerName);
    expect(cli.services[0]?.port).toBe(programmatic.services[0]?.port);
  } finally {
    process.chdir(previous);
  }
});

it('a moved checkout keeps its recorded ports when the state home cannot be written or is another', async () => {
  const project = `devup-lcc-${randomBytes(3).toString('hex')}`;
  const first = checkout(project);
  const second = checkout(project);
  await loadConfig({ cwd: first.dir });
  const moved = await loadConfig({ cwd: second.dir });
  expect(moved.database.port).not.toBe(47432);

  // A file where the state home's parent should be: nothing can be read or written there (as
  // root, a chmod would not stop the writes; ENOTDIR does).
  const blocker = `${first.dir}/not-a-directory`;
  writeFileSync(blocker, '');
  for (const home of [`${blocker}/devup`, `${second.dir}/fresh-state-home`]) {
    const notices: string[] = [];
    const again = await loadConfig({
      cwd: second.dir,
      env: { ...process.env, DEVUP_STATE_HOME: home },
      notice: (m) => notices.push(m),
    });
    expect(again.database.port).toBe(moved.database.port);
    expect(again.database.dockerName).toBe(moved.database.dockerName);
    expect(again.services[0]?.port).toBe(moved.services[0]?.port);
  }
});
