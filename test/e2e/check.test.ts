import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createWorkspace } from '../helpers/workspace.js';
import { copyDemo, runCli, startCli } from './demo-helpers.js';

let demo: Awaited<ReturnType<typeof copyDemo>>;
/** A private temp directory: every throwaway cluster of this file lands in it, so leftovers are visible. */
let tmp: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  demo = await copyDemo();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'devup-check-e2e-'));
  chmodSync(tmp, 0o755);
  env = { ...demo.env, TMPDIR: tmp, GITHUB_ACTIONS: '' };
});
afterAll(() => {
  demo?.cleanup();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const throwaways = () => readdirSync(tmp).filter((name) => name.startsWith('devup-throwaway-'));

it('`devup check` on the demo: a line per check per service, a summary, exit 0, nothing left behind', async () => {
  const { code, output } = await runCli(['check'], { cwd: demo.dir, env });
  expect(output).toMatch(/› Checking on a throwaway embedded Postgres on 127\.0\.0\.1:\d+, ready in [\d.]+ m?s\n/);
  expect(output).toMatch(/✔ auth +apply +3 tenants, 6 migrations each/);
  expect(output).toMatch(/✔ workflow +reversibility +5 downs, up → down → up in workflow_default/);
  expect(output).toMatch(/✔ ingestion +reversibility +4 downs, up → down → up in ingestion_default/);
  expect(output).toMatch(/- auth +lint +runs with --base REF \(new migrations\) or --all/);
  // The demo commits its docs/database/: the files regenerated on the throwaway match them.
  expect(output).toMatch(/✔ auth +schema +docs\/database\/ is current/);
  expect(output).toMatch(/✔ devup check: \d+ passed, 0 failed/);
  expect(code).toBe(0);
  expect(throwaways()).toEqual([]);
});

it('--json prints one report object', async () => {
  const { code, output } = await runCli(['check', '--json', '--all'], { cwd: demo.dir, env });
  expect(code).toBe(0);
  const report = JSON.parse(output.trim()) as {
    ok: boolean;
    results: { service: string; check: string; status: string }[];
  };
  expect(report.ok).toBe(true);
  expect(report.results.filter((r) => r.check === 'lint').map((r) => r.status)).toEqual(['warn', 'warn', 'warn']);
  expect(report.results.find((r) => r.service === 'auth' && r.check === 'apply')?.status).toBe('pass');
});

it('a broken migration fails the gate with its file frame, and GitHub Actions gets an annotation on its line', async () => {
  const bad = path.join(demo.dir, 'services/auth/migrations/0007_bad.sql');
  writeFileSync(bad, '-- oops\nalter table users add column bio txet;\n');
  try {
    const { code, output } = await runCli(['check'], {
      cwd: demo.dir,
      env: { ...env, GITHUB_ACTIONS: 'true', GITHUB_WORKSPACE: demo.dir },
    });
    expect(code).toBe(1);
    expect(output).toMatch(/✖ auth +apply/);
    expect(output).toMatch(
      /error services\/auth\/migrations\/0007_bad\.sql:2: migration 0007_bad failed in auth, schema auth_default \(also in auth_acme, auth_globex\)\n/,
    );
    expect(output).toMatch(/> 2 \| alter table users add column bio txet;/);
    expect(output).toMatch(/ERROR 42704: type "txet" does not exist/);
    expect(output).toMatch(
      /^::error file=services\/auth\/migrations\/0007_bad\.sql,line=2,title=devup check%3A auth apply::migration 0007_bad failed/m,
    );
    // The three tenants fail alike: one frame (and one annotation), not three.
    const frames = output.split('\n').filter((line) => line.includes('> 2 | alter table users'));
    expect(frames.filter((line) => !line.startsWith('::'))).toHaveLength(1);
    expect(frames.filter((line) => line.startsWith('::'))).toHaveLength(1);
    expect(output).toMatch(/error workflow_default: not applied, a service it depends on failed/);
    expect(output).toMatch(/- auth +schema +skipped: the apply failed, so the schema is incomplete/);
    expect(output).toMatch(/✖ devup check: \d+ passed, 2 failed/);
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
  } finally {
    rmSync(bad);
  }
  expect(throwaways()).toEqual([]);
});

it('--base outside a git repository, or with an unknown ref, is a clear error', async () => {
  const ws = createWorkspace({
    'svc/migrations/0001_x.sql': 'create table x (id int);\n',
    'devup.config.json': JSON.stringify({ services: { svc: { cwd: 'svc', migrations: { dir: 'migrations' } } } }),
  });
  try {
    const outside = await runCli(['check', '--base', 'main'], { cwd: ws.dir, env });
    expect(outside.code).toBe(1);
    expect(outside.output).toMatch(/--base main: .* is not inside a git repository/);
    expect(outside.output).toMatch(/without --base \(every other check still runs\)/);
    execFileSync('git', ['init', '-q'], { cwd: ws.dir });
    const unknown = await runCli(['check', '--base', 'origin/main'], { cwd: ws.dir, env });
    expect(unknown.code).toBe(1);
    expect(unknown.output).toMatch(/--base origin\/main: no such branch, tag or commit/);
    expect(unknown.output).toMatch(/fetch-depth: 0/);
    // Without --base the rest runs.
    const plain = await runCli(['check'], { cwd: ws.dir, env });
    expect(plain.output).toMatch(/✔ svc +apply +1 tenant, 1 migration/);
    expect(plain.code).toBe(0);
  } finally {
    ws.cleanup();
  }
});

it('Ctrl-C while a migration runs: the throwaway cluster and the tool are gone, exit 130', async () => {
  const marker = `${41 + Math.floor(Math.random() * 1000)}.321`;
  const ws = createWorkspace({
    'svc/.keep': '',
    'devup.config.json': JSON.stringify({
      services: { svc: { cwd: 'svc', migrations: { tool: 'command', command: `sleep ${marker}` } } },
    }),
  });
  const processes = () => execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' });
  const sleeping = () => processes().includes(`sleep ${marker}`);
  const cli = startCli(['check'], { cwd: ws.dir, env });
  try {
    // Polled until the tool runs (or devup gave up): no time bound of the test's own.
    while (!sleeping() && cli.child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    expect(sleeping()).toBe(true);
    expect(throwaways()).toHaveLength(1);
    const cluster = path.join(tmp, throwaways()[0] as string);
    expect(processes()).toContain(cluster);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(130);
    expect(throwaways()).toEqual([]);
    expect(processes()).not.toContain(cluster);
    // The tool's process group is killed on the way out; a reaped sleep leaves the table soon after.
    while (sleeping()) await new Promise((r) => setTimeout(r, 50));
    expect(sleeping()).toBe(false);
  } finally {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    ws.cleanup();
  }
});

it('a migration that never ends: the check names it while it runs, stops it at --statement-timeout and fails', async () => {
  const ws = createWorkspace({
    'svc/migrations/0001_x.sql': 'create table x (id int);\n',
    'svc/migrations/0002_forever.sql': 'select pg_sleep(3600);\n',
    'devup.config.json': JSON.stringify({ services: { svc: { cwd: 'svc', migrations: { dir: 'migrations' } } } }),
  });
  try {
    const bad = await runCli(['check', '--statement-timeout', '600h'], { cwd: ws.dir, env });
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('--statement-timeout 600h: 600h is longer than 24.8 days');

    const cli = startCli(['check', '--statement-timeout', '7s'], { cwd: ws.dir, env });
    await cli.waitFor(/› Applying migrations \(statement timeout 7 s: check\.statementTimeout\)/, 60_000);
    await cli.waitFor(/› Still running: 0002_forever in svc_default \(\d+ s so far, stopped at 7 s\)/, 60_000);
    expect(await cli.exited).toBe(1);
    const output = cli.output();
    expect(output).toMatch(/✖ svc +apply/);
    expect(output).toContain('canceling statement due to statement timeout');
    expect(output).toContain("stopped by the check's statement timeout (7 s)");
    expect(throwaways()).toEqual([]);
  } finally {
    ws.cleanup();
  }
});
