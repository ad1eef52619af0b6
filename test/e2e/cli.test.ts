import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { afterEach, expect, it, vi } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { runCli, startCli } from './demo-helpers.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

const env = { ...process.env, CI: 'true' };

it('refuses to reset an external database that is not on this machine, before connecting to it', async () => {
  ws = createWorkspace({
    'devup.config.json': JSON.stringify({
      database: { engine: 'external', url: 'postgres://app:hunter22@db.staging.example.com:5432/shop' },
      services: { api: {} },
    }),
  });
  const { code, output } = await runCli(['reset', '--yes'], { cwd: ws.dir, env });
  expect(code).toBe(1);
  expect(output).toMatch(
    /refusing to reset the external database on db\.staging\.example\.com: it is not on this machine/,
  );
  expect(output).toMatch(/--force/);
  expect(output).not.toContain('hunter22');
  for (const [command, what] of [
    [['snapshot', 'save', 'before'], 'snapshot'],
    [['snapshot', 'restore', 'before', '--yes'], 'restore a snapshot over'],
    [['snapshot', 'list'], 'list the snapshots of'],
  ] as const) {
    const snapshot = await runCli([...command], { cwd: ws.dir, env });
    expect(snapshot.code, command.join(' ')).toBe(1);
    expect(snapshot.output).toContain(
      `refusing to ${what} the external database on db.staging.example.com: it is not on this machine`,
    );
  }
});

it('a host name that merely begins with 127. is not taken for this machine by reset', async () => {
  ws = createWorkspace({
    'devup.config.json': JSON.stringify({
      database: { engine: 'external', url: 'postgres://app:pw@127.0.0.1.devup-test.invalid:5432/shop' },
      services: { api: {} },
    }),
  });
  const { code, output } = await runCli(['reset', '--yes'], { cwd: ws.dir, env });
  expect(code).toBe(1);
  expect(output).toMatch(/refusing to reset the external database on 127\.0\.0\.1\.devup-test\.invalid/);
});

it('bad config: every problem with its key path, exit 1, no stack trace', async () => {
  ws = createWorkspace({
    'devup.config.json': JSON.stringify({
      services: { auth: { migrations: { dir: 'migrations' }, dependsOn: ['wokflow'] }, workflow: {} },
    }),
  });
  const { code, output } = await runCli(['migrate'], { cwd: ws.dir, env });
  expect(code).toBe(1);
  expect(output).toContain('services.auth.migrations.dir: no such directory: migrations');
  expect(output).toContain('services.auth.dependsOn: unknown service or infra "wokflow" (did you mean "workflow"?)');
  expect(output).not.toMatch(/\n\s+at /);
});

it('usage errors exit 2; --help and --version exit 0', async () => {
  ws = createWorkspace();
  expect((await runCli(['migrate', '--bogus'], { cwd: ws.dir, env })).code).toBe(2);
  expect((await runCli(['--engine', 'kubernetes', 'status'], { cwd: ws.dir, env })).code).toBe(2);
  const help = await runCli(['--help'], { cwd: ws.dir, env });
  expect(help.code).toBe(0);
  expect(help.output).toMatch(/migrate/);
  expect((await runCli(['--version'], { cwd: ws.dir, env })).output.trim()).toMatch(/^\d+\.\d+\.\d+$/);
});

it('no config anywhere: says so and how to start', async () => {
  ws = createWorkspace();
  const { code, output } = await runCli(['status'], { cwd: ws.dir, env });
  expect(code).toBe(1);
  expect(output).toMatch(/no devup config found/);
  expect(output).toMatch(/devup\.config\.mjs/);
});

it('masks the database password even when a service prints its own DATABASE_URL', async () => {
  const port = await freePort(58300);
  ws = createWorkspace({
    'devup.config.json': JSON.stringify({
      database: { engine: 'embedded', port, password: 's3cret-pass' },
      services: {
        leaky: {
          command: 'echo "connecting to $DATABASE_URL with $PGPASSWORD"; exec sleep 30',
          ready: { log: 'connecting to' },
        },
      },
    }),
  });
  chmodSync(ws.dir, 0o755); // as root, the embedded server's user must reach .devup/
  const cli = startCli(['dev'], { cwd: ws.dir, env });
  try {
    await cli.waitFor(/All services ready/, 60_000);
    expect(cli.output()).toMatch(
      /leaky +\| connecting to postgresql:\/\/devup:\*\*\*\*@127\.0\.0\.1:\d+\/\S+ with \*\*\*\*/,
    );
    expect(cli.output()).not.toContain('s3cret-pass');
  } finally {
    cli.child.kill('SIGINT');
    await cli.exited;
    await runCli(['down', '--volumes', '--yes'], { cwd: ws.dir, env });
  }
});

it('Ctrl-C during `devup migrate` stops an external tool that is running, and exits 130', async () => {
  const port = await freePort(58900);
  const marker = `${37 + Math.floor(Math.random() * 1000)}.123`;
  ws = createWorkspace({
    'svc/.keep': '',
    'devup.config.json': JSON.stringify({
      database: { engine: 'embedded', port },
      services: { svc: { cwd: 'svc', migrations: { tool: 'command', command: `sleep ${marker}` } } },
    }),
  });
  chmodSync(ws.dir, 0o755);
  const running = () => execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' }).includes(`sleep ${marker}`);
  const cli = startCli(['migrate'], { cwd: ws.dir, env });
  try {
    await vi.waitFor(() => expect(running()).toBe(true), { timeout: 60_000, interval: 50 });
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(130);
    // SIGKILL is delivered asynchronously: on a loaded machine the tool may need a moment to go.
    await vi.waitFor(() => expect(running()).toBe(false), { timeout: 30_000, interval: 50 });
  } finally {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    await runCli(['down', '--volumes', '--yes'], { cwd: ws.dir, env });
  }
});

it('the built CLI reads .env and its lazily loaded parts work (DATABASE_URL from .env names the server)', async () => {
  ws = createWorkspace({
    'devup.config.json': JSON.stringify({ database: { engine: 'external' }, services: { api: {} } }),
    '.env': 'DATABASE_URL=postgres://app:pw@127.0.0.1.devup-test.invalid:5432/shop\n',
  });
  const { code, output } = await runCli(['reset', '--yes'], { cwd: ws.dir, env });
  expect(code).toBe(1);
  expect(output).toMatch(/refusing to reset the external database on 127\.0\.0\.1\.devup-test\.invalid/);
  expect(output).not.toMatch(/is not a function|kind.*bug/);
});
