import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { isRunning } from '../../../src/process-identity.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { SupervisorHarness, service } from './supervisor-harness.js';

let h: SupervisorHarness;
let ws: Workspace;
beforeEach(() => {
  h = new SupervisorHarness();
});
afterEach(async () => {
  await h.cleanup();
  ws?.cleanup();
});

// Fails before it is ready until a file named `fixed` exists in its directory.
const BROKEN = `import { existsSync } from 'node:fs';
if (!existsSync('fixed')) {
  console.log('reading settings');
  console.error('boom: settings.toml is missing');
  process.exit(1);
}
console.log('up');
setInterval(() => {}, 1000);
`;
const IDLE = "console.log('up');\nsetInterval(() => {}, 1000);\n";

function services() {
  const ready = { kind: 'log' as const, pattern: /up/ };
  const node = (file: string) => ({ argv: [process.execPath, file, h.marker] });
  return [
    service('api', { cwd: `${ws.dir}/api`, command: node('idle.mjs'), ready }),
    service('broken', { cwd: `${ws.dir}/broken`, command: node('broken.mjs'), ready }),
    service('web', { cwd: `${ws.dir}/web`, command: node('idle.mjs'), ready, dependsOn: ['broken'] }),
  ];
}

it('keep-going: a service failing to start leaves the others running, shows its last lines, and restarts when its files change', async () => {
  ws = createWorkspace({ 'api/idle.mjs': IDLE, 'broken/broken.mjs': BROKEN, 'web/idle.mjs': IDLE });
  const supervisor = h.supervisor({ services: services(), keepGoing: true });
  const started = await supervisor.start();
  expect(started.services.map((s) => s.name)).toEqual(['api']);
  expect(started.down).toEqual(['broken', 'web']);
  expect(h.output).toContain('broken * exited with code 1 before it was ready; the others keep running (keep-going)');
  expect(h.output).toContain('broken *   boom: settings.toml is missing');
  expect(h.output).toContain('web    * not started: it depends on broken, which is down');
  const api = supervisor.states().find((s) => s.name === 'api');
  expect(api?.status).toBe('ready');
  expect(supervisor.restartTargets()).toEqual(['broken', 'web']);

  await h.until(() => h.output.includes(`broken * watching ${ws.dir}/broken for changes`));
  writeFileSync(`${ws.dir}/broken/fixed`, '');
  await h.until(() => supervisor.states().every((s) => s.status === 'ready'));
  expect(h.output).toContain('broken * its files changed: restarting it');
  // api was never touched: the same process throughout.
  expect(supervisor.states().find((s) => s.name === 'api')?.pid).toBe(api?.pid);
  expect(supervisor.restartTargets()).toEqual(['api', 'broken', 'web']);
});

it('keep-going: a service that gives up after being ready leaves devup supervising; a restart brings it back', async () => {
  ws = createWorkspace({ 'api/idle.mjs': IDLE, 'broken/broken.mjs': BROKEN, 'web/idle.mjs': IDLE });
  writeFileSync(`${ws.dir}/broken/fixed`, '');
  const supervisor = h.supervisor({ services: services(), keepGoing: true, onServiceExit: 'stop-all' });
  await supervisor.start();
  const broken = supervisor.states().find((s) => s.name === 'broken');
  process.kill(broken?.pid as number, 'SIGKILL');
  await h.until(() => supervisor.states().find((s) => s.name === 'broken')?.status === 'failed');
  expect(h.output).toContain('broken * was killed by SIGKILL; the others keep running (keep-going)');
  const api = supervisor.states().find((s) => s.name === 'api');
  expect(isRunning({ pid: api?.pid as number, started: api?.started })).toBe(true);
  let ended = false;
  void supervisor.finished.then(() => {
    ended = true;
  });
  expect(supervisor.restartTargets()).toEqual(['broken']);
  const again = await supervisor.restart(supervisor.restartTargets());
  expect(again.map((s) => s.name)).toEqual(['broken']);
  expect(ended).toBe(false);
});

it('without keep-going a service failing to start stops the rest, and the hint names --keep-going', async () => {
  ws = createWorkspace({ 'api/idle.mjs': IDLE, 'broken/broken.mjs': BROKEN, 'web/idle.mjs': IDLE });
  const supervisor = h.supervisor({ services: services() });
  await expect(supervisor.start()).rejects.toMatchObject({
    hint: expect.stringContaining('`devup dev --keep-going` keeps the others running'),
  });
  expect(h.survivors()).toEqual([]);
});

// Fails the first time it starts (the mark is outside its directory, so the watcher does not see it).
const FAILS_ONCE = `import { existsSync, writeFileSync } from 'node:fs';
if (!existsSync('../tried')) {
  writeFileSync('../tried', '');
  console.error('boom: first start');
  process.exit(1);
}
console.log('up');
setInterval(() => {}, 1000);
`;

it('keep-going: starting a failed service (the dashboard) starts the services blocked because of it too', async () => {
  ws = createWorkspace({ 'api/idle.mjs': IDLE, 'broken/broken.mjs': FAILS_ONCE, 'web/idle.mjs': IDLE });
  const supervisor = h.supervisor({ services: services(), keepGoing: true });
  expect((await supervisor.start()).down).toEqual(['broken', 'web']);
  expect(supervisor.states().map((s) => `${s.name}:${s.status}`)).toEqual([
    'api:ready',
    'broken:failed',
    'web:blocked',
  ]);
  await supervisor.startOne('broken');
  expect(supervisor.states().map((s) => `${s.name}:${s.status}`)).toEqual(['api:ready', 'broken:ready', 'web:ready']);
  expect(h.output).toMatch(/web {4}\* restarted, ready in /);
});
