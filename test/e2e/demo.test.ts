import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClient } from '../../src/database/connection/connection.js';
import { dockerStatus, TEST_IMAGE } from '../integration/helpers/docker.js';
import { copyDemo, httpStatus, processesUnder, ROOT, runCli, startCli } from './demo-helpers.js';

const docker = await dockerStatus();

/** --json prints one object per line; the command's result is the last one. */
function lastJson(output: string) {
  return JSON.parse(output.trim().split('\n').at(-1) ?? '{}');
}

const engines = [
  { engine: 'embedded', skip: false, extraEnv: {} },
  { engine: 'docker', skip: !docker.available && process.env.CI !== 'true', extraEnv: { DEMO_DB_IMAGE: TEST_IMAGE } },
] as const;

for (const { engine, skip, extraEnv } of engines) {
  describe.skipIf(skip)(`the demo on the ${engine} engine${skip ? ` (skipped: ${docker.reason})` : ''}`, () => {
    let demo: Awaited<ReturnType<typeof copyDemo>>;
    let env: NodeJS.ProcessEnv;
    const args = (...rest: string[]) => [...rest, '--engine', engine, '--config', `${demo.dir}/devup.config.mjs`];

    beforeAll(async () => {
      demo = await copyDemo();
      env = { ...demo.env, ...extraEnv };
    });
    const demoConnection = () => ({
      host: '127.0.0.1',
      port: Number(env.DEMO_DB_PORT),
      user: 'devup',
      password: readFileSync(`${demo.dir}/.devup/password`, 'utf8').trim(),
      database: String(env.DEMO_PROJECT).replace(/[^a-z0-9_]/g, '_'),
    });
    const demoQuery = (sql: string) => withClient(demoConnection(), (c) => c.query(sql));
    const demoCount = async (sql: string) => Number((await demoQuery(sql)).rows[0]?.n);

    afterAll(async () => {
      await runCli(args('down', '--volumes', '--yes'), { cwd: demo.dir, env });
      demo.cleanup();
    });

    // Each test below can run alone (`npx vitest run -t '<name>'`): it first brings the demo to
    // the state it needs with these, which cost a warm run when an earlier test got there already.
    let devHasRun = false;
    /** A `devup dev` has reached ready once: Postgres runs, every target is migrated and seeded. */
    const afterOneDev = async () => {
      if (devHasRun) return;
      const cli = startCli(args('dev'), { cwd: demo.dir, env });
      await cli.waitFor(/All services ready/, 120_000);
      cli.child.kill('SIGINT');
      expect(await cli.exited, cli.output()).toBe(0);
      devHasRun = true;
    };
    /** Postgres runs and every migration on disk is applied. */
    const migrated = async () => {
      const { code, output } = await runCli(args('migrate'), { cwd: demo.dir, env });
      expect(code, output).toBe(0);
    };
    const appliedCounts = async () => {
      const { code, output } = await runCli(args('migrate', 'status', '--json'), { cwd: demo.dir, env });
      expect(code, output).toBe(0);
      return lastJson(output).targets.map((t: { schema: string; applied: unknown[] }) => [t.schema, t.applied.length]);
    };

    it('devup dev boots Postgres, migrates, seeds and starts every service; Ctrl-C leaves nothing behind', async () => {
      const cli = startCli(args('dev'), { cwd: demo.dir, env });
      await cli.waitFor(/All services ready/, 120_000);
      devHasRun = true;
      const out = cli.output();
      expect(out).toContain('Created .env from .env.example');
      expect(out).toMatch(/auth_acme applied 6/);
      // The committed docs are what the migrations build: nothing to commit, and devup says so.
      expect(out).toMatch(
        /✔ Schema docs match the migrated database: .*: up to date \(7 unchanged\), nothing to commit/,
      );
      expect(out).not.toContain('commit them with the migration');
      expect(out).toMatch(/workflow_default seeded/);
      for (const port of demo.ports) expect(await httpStatus(`http://127.0.0.1:${port}/health`)).toBe(200);
      const users = (await fetch(`http://127.0.0.1:${demo.ports[0]}/tenants/acme/users`).then((r) =>
        r.json(),
      )) as unknown[];
      expect(users.length).toBeGreaterThan(0);
      expect(processesUnder(`${demo.dir}/services`).length).toBeGreaterThanOrEqual(3);
      cli.child.kill('SIGINT');
      expect(await cli.exited, cli.output()).toBe(0);
      expect(cli.output()).toMatch(/Postgres keeps running/);
      expect(processesUnder(`${demo.dir}/services`)).toEqual([]);
    });

    it('a second devup dev reuses the running Postgres and finds every target already up-to-date', async () => {
      await afterOneDev();
      const cli = startCli(args('dev'), { cwd: demo.dir, env });
      await cli.waitFor(/All services ready/, 60_000);
      const out = cli.output();
      for (const schema of ['auth_default', 'auth_acme', 'auth_globex', 'workflow_default', 'ingestion_default']) {
        expect(out).toContain(`✔ ${schema} already up-to-date`);
      }
      expect(out).not.toMatch(/seeded/);
      // Why the warm start is fast (its time is a bench figure, not a test): nothing is created again.
      expect(out).toMatch(/Postgres ready: .*\(already running, /);
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(0);
      expect(processesUnder(`${demo.dir}/services`)).toEqual([]);
    });

    it.runIf(engine === 'embedded')(
      'a warm devup migrate reads the module files the source says it does: the bundle, pg and the config',
      async () => {
        await migrated();
        const { code, output } = await runCli(args('migrate'), { cwd: demo.dir, env: { ...env, NODE_DEBUG: 'esm' } });
        expect(code, output).toBe(0);
        const files = [...new Set(output.match(/Storing file:\/\/\S+\.[cm]?js\b/g) ?? [])].map((line) =>
          path.relative(ROOT, fileURLToPath(line.replace(/^Storing /, ''))).replace(/-[\w-]{8}\.mjs$/, '.mjs'),
        );
        // A static import added to the warm path joins the warm chunk; a lazy one adds a file here.
        expect(files.sort()).toEqual(
          [
            'bin/devup.js',
            'dist/bundle/chunk-pg.mjs',
            'dist/bundle/chunk-rolldown-runtime.mjs',
            'dist/bundle/chunk-warm.mjs',
            'dist/bundle/devup.mjs',
            'dist/bundle/index.mjs',
            'node_modules/dotenv/dist/index.cjs',
            path.relative(ROOT, `${demo.dir}/devup.config.mjs`),
          ].sort(),
        );
      },
    );

    it('status shows the services of a running devup dev; --skip-migrations still names what is pending', async () => {
      await afterOneDev();
      writeFileSync(
        `${demo.dir}/services/auth/migrations/0007_add_user_locale.sql`,
        'alter table users add column locale text;\n',
      );
      const cli = startCli(args('dev', '--skip-migrations'), { cwd: demo.dir, env });
      await cli.waitFor(/All services ready/, 60_000);
      expect(cli.output()).toMatch(/Skipping migrations, but 3 are pending in auth_default, auth_acme, auth_globex/);
      const { output } = await runCli(args('status', '--json'), { cwd: demo.dir, env });
      const status = lastJson(output);
      expect(status.engine.state).toBe('running');
      expect(status.dev.services.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual([
        'auth:ready',
        'workflow:ready',
        'ingestion:ready',
      ]);
      expect(
        status.targets
          .filter((t: { pending: string[] }) => t.pending.length > 0)
          .map((t: { schema: string }) => t.schema),
      ).toEqual(['auth_default', 'auth_acme', 'auth_globex']);
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(0);
      // A pulled migration is applied by the next `devup dev`, and seed data is not poured in again.
      const next = startCli(args('dev'), { cwd: demo.dir, env });
      await next.waitFor(/All services ready/, 60_000);
      expect(next.output()).toMatch(/auth_acme applied 1 \(0007_add_user_locale\)/);
      expect(next.output()).not.toMatch(/seeded/);
      next.child.kill('SIGINT');
      expect(await next.exited).toBe(0);
    });

    it('migrate down acts on one service, lists what it rolls back, and needs confirmation', async () => {
      await migrated();
      const all = await runCli(args('migrate', 'down', '--yes'), { cwd: demo.dir, env });
      expect(all.code).toBe(2);
      expect(all.output).toMatch(/acts on one service at a time; this would touch auth, workflow, ingestion/);
      const unknown = await runCli(args('migrate', 'down', '--service', 'workflow', '--to', '42', '--yes'), {
        cwd: demo.dir,
        env,
      });
      expect(unknown.code).toBe(2);
      expect(unknown.output).toMatch(/--to 42: no migration of workflow has that version/);
      const refused = await runCli(args('migrate', 'down', '--service', 'workflow'), { cwd: demo.dir, env });
      expect(refused.code).toBe(1);
      expect(refused.output).toMatch(/workflow_default: 0005_workflow_runs_active_index_concurrently/);
      expect(refused.output).toMatch(/refusing/);
      const down = await runCli(args('migrate', 'down', '--service', 'workflow', '--yes'), { cwd: demo.dir, env });
      expect(down.code, down.output).toBe(0);
      expect(down.output).toMatch(/workflow_default: rolled back 0005_workflow_runs_active_index_concurrently/);
      const up = await runCli(args('migrate', '--service', 'workflow'), { cwd: demo.dir, env });
      expect(up.output).toMatch(/workflow_default applied 1/);
    });

    it('reset refuses without --yes when there is no terminal, and destroys nothing', async () => {
      await migrated();
      const before = await appliedCounts();
      expect(before.every(([, n]: [string, number]) => n > 0)).toBe(true);
      const { code, output } = await runCli(args('reset'), { cwd: demo.dir, env });
      expect(code).toBe(1);
      expect(output).toMatch(/devup reset will destroy:/);
      expect(output).toMatch(/refusing to destroy data without confirmation/);
      expect(output).toMatch(/Pass --yes to confirm/);
      expect(await appliedCounts()).toEqual(before);
    });

    it('reset --service auth --tenant acme rebuilds only that schema, migrated and seeded', async () => {
      await migrated();
      // 6 in the demo, 7 after the test that adds one.
      const authMigrations = readdirSync(`${demo.dir}/services/auth/migrations`).length;
      const { code, output } = await runCli(
        args('reset', '--service', 'auth', '--tenant', 'acme', '--yes', '--no-start'),
        {
          cwd: demo.dir,
          env,
        },
      );
      expect(code, output).toBe(0);
      // Every object the schema holds is named before it goes.
      expect(output).toMatch(
        /devup reset will destroy:\n {2}schema auth_acme \(4 objects\)\n {4}functions: set_updated_at\(\)\n {4}tables: api_keys, sessions, users\n/,
      );
      expect(output).toMatch(new RegExp(`auth_acme applied ${authMigrations}\\b`));
      expect(output).toMatch(/auth_acme seeded/);
      expect(output).not.toMatch(/auth_globex applied/);
    });

    it('a full reset after a new migration file rebuilds through the migrations, including it, and keeps a new template', async () => {
      await migrated();
      // Whichever path this one takes, it leaves a template of the current files.
      const first = await runCli(args('reset', '--yes', '--no-start'), { cwd: demo.dir, env });
      expect(first.output).toMatch(/Template kept for the next reset|Reset from the template/);
      writeFileSync(`${demo.dir}/services/auth/migrations/0010_e2e_marker.sql`, 'create table e2e_marker (id int);\n');
      const { code, output } = await runCli(args('reset', '--yes', '--no-start'), { cwd: demo.dir, env });
      expect(code, output).toBe(0);
      expect(output).toMatch(
        /↺ Full rebuild through the migrations: the migrations of auth changed since the template\./,
      );
      expect(output).toMatch(/devup reset will destroy:\n {2}database devup_e2e_\w+\n/);
      expect(output).toMatch(/auth_acme applied \d+ \(0001_create_users … 0010_e2e_marker\)/);
      expect(output).toMatch(/ingestion_default applied 4/);
      expect(output).toMatch(/workflow_default seeded/);
      expect(output).toMatch(/Template kept for the next reset/);
    });

    it('an unchanged full reset restores from the template: a row written before is gone, the seeds are back', async () => {
      await migrated();
      await runCli(args('reset', '--yes', '--no-start'), { cwd: demo.dir, env });
      await demoQuery("insert into auth_acme.users (email, password_hash) values ('typed@by.hand', 'x')");
      const { code, output } = await runCli(args('reset', '--yes', '--no-start'), { cwd: demo.dir, env });
      expect(code, output).toBe(0);
      expect(output).toMatch(/↺ Reset from the template taken .* ago: migrations, seeds and config unchanged since\./);
      expect(output).toMatch(/auth_acme already up-to-date/);
      expect(await demoCount("select count(*) as n from auth_acme.users where email = 'typed@by.hand'")).toBe(0);
      expect(await demoCount('select count(*) as n from auth_acme.users')).toBeGreaterThan(0);
    });

    it('snapshot save and restore while devup dev runs: its services reconnect to the restored data', async () => {
      const cli = startCli(args('dev'), { cwd: demo.dir, env });
      await cli.waitFor(/All services ready/, 60_000);
      try {
        const saved = await runCli(args('snapshot', 'save', 'clean'), { cwd: demo.dir, env });
        expect(saved.code, saved.output).toBe(0);
        await demoQuery("insert into auth_acme.users (email, password_hash) values ('after@snapshot', 'x')");
        const before = (await fetch(`http://127.0.0.1:${demo.ports[0]}/tenants/acme/users`).then((r) =>
          r.json(),
        )) as unknown[];
        const restored = await runCli(args('snapshot', 'restore', 'clean', '--yes'), { cwd: demo.dir, env });
        expect(restored.code, restored.output).toBe(0);
        expect(restored.output).toMatch(/Restored devup_e2e_\w+ from snapshot clean/);
        expect(await demoCount("select count(*) as n from auth_acme.users where email = 'after@snapshot'")).toBe(0);
        // The service's pool lost its connections and opens new ones on the next request.
        let after: unknown[] | undefined;
        while (!after) {
          const response = await fetch(`http://127.0.0.1:${demo.ports[0]}/tenants/acme/users`);
          if (response.ok) after = (await response.json()) as unknown[];
          else await response.arrayBuffer().then(() => new Promise((resolve) => setTimeout(resolve, 50)));
        }
        expect(after.length).toBe(before.length - 1);
        const listed = await runCli(args('snapshot', 'list'), { cwd: demo.dir, env });
        expect(listed.output).toMatch(
          /clean +\d[\d.]* MB +\d+ s ago +\d+ applied in 5 schemas +migrations unchanged since/,
        );
      } finally {
        cli.child.kill('SIGINT');
        await cli.exited;
      }
      const down = await runCli(args('down', '--volumes'), { cwd: demo.dir, env });
      expect(down.code).toBe(1);
      expect(down.output).toMatch(/This destroys:[\s\S]*snapshot clean \(/);
    });

    it('--json: every line on stdout is one JSON object, service logs included', async () => {
      await migrated();
      const cli = startCli(args('dev', '--json'), { cwd: demo.dir, env });
      await cli.waitFor(/"event":"services-ready"/, 60_000);
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(0);
      const events = cli
        .output()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { event: string });
      expect(events.map((e) => e.event)).toEqual(
        expect.arrayContaining(['database-ready', 'migration-check', 'log', 'services-ready', 'stopped']),
      );
    });

    it('migrate status reports every target with nothing pending, in JSON too', async () => {
      await migrated();
      const { code, output } = await runCli(args('migrate', 'status', '--json'), { cwd: demo.dir, env });
      expect(code).toBe(0);
      const report = lastJson(output);
      expect(report.targets.map((t: { schema: string }) => t.schema)).toEqual([
        'auth_default',
        'auth_acme',
        'auth_globex',
        'workflow_default',
        'ingestion_default',
      ]);
      expect(report.targets.every((t: { pending: unknown[] }) => t.pending.length === 0)).toBe(true);
    });

    // Last: it leaves Postgres stopped.
    it('down while devup dev runs stops that session and its services first, then Postgres', async () => {
      const cli = startCli(args('dev'), { cwd: demo.dir, env });
      await cli.waitFor(/All services ready/, 120_000);
      const { code, output } = await runCli(args('down'), { cwd: demo.dir, env });
      expect(code, output).toBe(0);
      expect(output).toContain(`Stopped the running devup dev (pid ${cli.child.pid}) first, with its services.`);
      expect(output).toMatch(/Stopped Postgres \(\w+\); the data is kept\./);
      expect(await cli.exited).toBe(0);
      expect(processesUnder(`${demo.dir}/services`)).toEqual([]);
    });
  });
}
