import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClient } from '../../src/database/connection/connection.js';
import { isPortFree } from '../../src/ports.js';
import { freePort } from '../helpers/ports.js';
import { dockerClient, dockerStatus, TEST_IMAGE } from '../integration/helpers/docker.js';
import { httpStatus, ROOT, type RunningCli, runCli, startCli } from './demo-helpers.js';

const docker = await dockerStatus();

const engines = [
  { engine: 'embedded', skip: false, extraEnv: {} },
  { engine: 'docker', skip: !docker.available && process.env.CI !== 'true', extraEnv: { DEMO_DB_IMAGE: TEST_IMAGE } },
] as const;

interface ListedEnvironment {
  project: string;
  checkout: string;
  first: boolean;
  moved: boolean;
  database: { port: number; state: string };
  dev: { services: { name: string; url?: string }[] } | null;
}

/** Copies the demo into `dir`, as test/e2e/demo-helpers.ts does (inside the repo, so `pg` and `devup` resolve). */
function copyDemoTo(dir: string): void {
  cpSync(path.join(ROOT, 'demo'), dir, {
    recursive: true,
    filter: (src) => !src.includes('.devup') && !src.endsWith('/.env'),
  });
}

function git(cwd: string, ...args: string[]): void {
  execFileSync('git', ['-c', 'user.name=devup e2e', '-c', 'user.email=e2e@devup.test', ...args], {
    cwd,
    stdio: 'ignore',
  });
}

for (const { engine, skip, extraEnv } of engines) {
  describe.skipIf(skip)(`two checkouts of the demo side by side, ${engine} engine`, () => {
    const base = path.join(ROOT, 'test/e2e/.work', `checkouts-${randomBytes(4).toString('hex')}`);
    // A second clone, and a git worktree of a repository holding the demo: one project name, one config.
    const clone = path.join(base, 'clone');
    const repo = path.join(base, 'repo');
    const worktree = path.join(base, 'review');
    let env: NodeJS.ProcessEnv;
    const project = `devup-e2e-co-${path.basename(base).slice(-8)}`;
    const running: RunningCli[] = [];
    const cli = (dir: string, ...args: string[]) => runCli([...args, '--engine', engine], { cwd: dir, env });

    beforeAll(async () => {
      mkdirSync(base, { recursive: true });
      copyDemoTo(clone);
      copyDemoTo(repo);
      git(repo, 'init', '-q', '-b', 'main');
      git(repo, 'add', '.');
      git(repo, 'commit', '-q', '-m', 'demo');
      git(repo, 'worktree', 'add', '-q', '-b', 'review', worktree);
      // Below the ephemeral range (32768+), where a client's outgoing connection can hold a port for a while.
      env = {
        ...process.env,
        ...extraEnv,
        CI: 'true',
        // A reset's detached tidy-copies would outlive the test and write into a deleted checkout.
        DEVUP_NO_BACKGROUND_TIDY: '1',
        // A checkout registry of its own: prune sees only this test's checkouts.
        DEVUP_STATE_HOME: path.join(base, 'state'),
        DEMO_PROJECT: project,
        DEMO_DB_PORT: String(await freePort(20_000, 2_000)),
        DEMO_AUTH_PORT: String(await freePort(23_000, 2_000)),
        DEMO_WORKFLOW_PORT: String(await freePort(26_000, 2_000)),
        DEMO_INGESTION_PORT: String(await freePort(29_000, 2_000)),
      };
    });

    afterAll(async () => {
      for (const child of running) if (child.child.exitCode === null) child.child.kill('SIGINT');
      await Promise.all(running.map((child) => child.exited));
      for (const dir of [clone, worktree]) if (existsSync(dir)) await cli(dir, 'down', '--volumes', '--yes');
      await runCli(['prune', '--yes'], { cwd: base, env });
      rmSync(base, { recursive: true, force: true });
    });

    const list = async (): Promise<ListedEnvironment[]> => {
      const { code, output } = await runCli(['ls', '--json'], { cwd: base, env });
      expect(code, output).toBe(0);
      const all = JSON.parse(output.trim().split('\n').at(-1) ?? '{}').environments as ListedEnvironment[];
      return all.filter((e) => e.project === project);
    };
    const urlOf = (e: ListedEnvironment | undefined, service: string) =>
      e?.dev?.services.find((s) => s.name === service)?.url as string;
    const connection = (dir: string, port: number) => ({
      host: '127.0.0.1',
      port,
      user: 'devup',
      password: readFileSync(path.join(dir, '.devup/password'), 'utf8').trim(),
      database: project.replace(/[^a-z0-9_]/g, '_'),
    });
    const emails = async (dir: string, port: number) =>
      (await withClient(connection(dir, port), (c) => c.query('select email from auth_default.users'))).rows.map(
        (r) => r.email as string,
      );

    it('both boot at once, each on its own ports and data; Ctrl-C, reset and prune in one leave the other alone', async () => {
      const first = startCli(['dev', '--engine', engine], { cwd: clone, env });
      running.push(first);
      await first.waitFor(/Press Ctrl-C/, 180_000);
      const second = startCli(['dev', '--engine', engine], { cwd: worktree, env });
      running.push(second);
      await second.waitFor(/Press Ctrl-C/, 180_000);
      expect(second.output()).toMatch(
        /Another checkout of .* holds its configured ports: this checkout uses Postgres \d+/,
      );

      // devup ls lists both, the first on the configured ports, the worktree on its own.
      const [a, b] = await Promise.all([list(), list()]).then(([l]) => [
        l.find((e) => e.checkout === clone),
        l.find((e) => e.checkout === worktree),
      ]);
      expect(a).toMatchObject({
        first: true,
        moved: false,
        database: { port: Number(env.DEMO_DB_PORT), state: 'running' },
      });
      expect(b).toMatchObject({ first: false, moved: true, database: { state: 'running' } });
      expect(b?.database.port).not.toBe(a?.database.port);
      expect(urlOf(a, 'auth')).toBe(`http://127.0.0.1:${env.DEMO_AUTH_PORT}`);
      expect(urlOf(b, 'auth')).not.toBe(urlOf(a, 'auth'));
      // The ready table shows the worktree's own ports.
      expect(second.output()).toContain(urlOf(b, 'auth'));
      for (const e of [a, b]) {
        for (const service of ['auth', 'workflow', 'ingestion']) {
          expect(await httpStatus(`${urlOf(e, service)}/health`)).toBe(200);
        }
      }
      // workflow reaches its own checkout's auth through DEVUP_URL_AUTH.
      expect(await httpStatus(`${urlOf(b, 'workflow')}/tenants/acme/overview`)).toBe(200);
      // Both log lines come from the worktree's own services (the log line follows the response).
      await second.waitFor(/workflow +\| workflow GET \/tenants\/acme\/overview 200/);
      await second.waitFor(/auth +\| auth GET \/tenants\/acme\/users 200/);

      // Separate data: a row written in one is absent from the other.
      const aPort = a?.database.port as number;
      const bPort = b?.database.port as number;
      const insert = (dir: string, port: number, email: string) =>
        withClient(connection(dir, port), (c) =>
          c.query(`insert into auth_default.users (email, password_hash) values ($1, 'x')`, [email]),
        );
      await insert(clone, aPort, 'only-in-clone@example.test');
      await insert(worktree, bPort, 'only-in-review@example.test');
      expect(await emails(clone, aPort)).toContain('only-in-clone@example.test');
      expect(await emails(clone, aPort)).not.toContain('only-in-review@example.test');
      expect(await emails(worktree, bPort)).toContain('only-in-review@example.test');
      expect(await emails(worktree, bPort)).not.toContain('only-in-clone@example.test');

      // Ctrl-C in the clone: the worktree keeps serving.
      first.child.kill('SIGINT');
      expect(await first.exited, first.output()).toBe(0);
      expect(await httpStatus(`${urlOf(b, 'auth')}/health`)).toBe(200);
      expect(await httpStatus(`${urlOf(b, 'workflow')}/tenants/acme/overview`)).toBe(200);

      // A reset of the clone leaves the worktree's data alone.
      const reset = await cli(clone, 'reset', '--yes', '--no-start');
      expect(reset.code, reset.output).toBe(0);
      expect(await emails(clone, aPort)).not.toContain('only-in-clone@example.test');
      expect(await emails(worktree, bPort)).toContain('only-in-review@example.test');

      // The clone's directory deleted: prune removes exactly what it left, and the worktree still serves.
      // Its Postgres still runs and writes into the directory while it goes: retry until it is gone.
      rmSync(clone, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
      const listed = await runCli(['prune'], { cwd: base, env });
      expect(listed.code, listed.output).toBe(1); // no terminal to ask on, no --yes: nothing removed
      expect(listed.output).toContain(`in ${clone}`);
      expect(listed.output).not.toContain(`in ${worktree}`);
      const pruned = await runCli(['prune', '--yes'], { cwd: base, env });
      expect(pruned.code, pruned.output).toBe(0);
      expect(pruned.output).toMatch(/Pruned 1 deleted checkout/);
      if (engine === 'docker') {
        const gone = await dockerClient()
          .getVolume(`${project}-pgdata`)
          .inspect()
          .catch((e: { statusCode?: number }) => e.statusCode);
        expect(gone).toBe(404);
      } else {
        // The clone's server, still running from its deleted directory, is stopped: its port is free.
        expect(await isPortFree(aPort)).toBe(true);
      }
      expect((await list()).map((e) => e.checkout)).toEqual([worktree]);
      expect(await httpStatus(`${urlOf(b, 'auth')}/health`)).toBe(200);
      expect(await emails(worktree, bPort)).toContain('only-in-review@example.test');

      second.child.kill('SIGINT');
      expect(await second.exited, second.output()).toBe(0);
    });
  });
}
