import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerStatus, TEST_IMAGE } from '../integration/helpers/docker.js';
import { copyDemo, httpStatus, processesUnder, runCli, startCli } from './demo-helpers.js';

const docker = await dockerStatus();

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
    afterAll(async () => {
      await runCli(args('down', '--volumes', '--yes'), { cwd: demo.dir, env });
      demo.cleanup();
    });

    let coldMs = 0;
    it('devup dev boots Postgres, migrates, seeds and starts every service; Ctrl-C leaves nothing behind', async () => {
      const cli = startCli(args('dev'), { cwd: demo.dir, env });
      coldMs = await cli.waitFor(/All services ready/, 120_000);
      const out = cli.output();
      expect(out).toContain('Created .env from .env.example');
      expect(out).toMatch(/auth_acme applied 6/);
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

    it('a second devup dev reaches ready faster and finds every target already up-to-date', async () => {
      const cli = startCli(args('dev'), { cwd: demo.dir, env });
      const warmMs = await cli.waitFor(/All services ready/, 60_000);
      const out = cli.output();
      for (const schema of ['auth_default', 'auth_acme', 'auth_globex', 'workflow_default', 'ingestion_default']) {
        expect(out).toContain(`✓ ${schema} already up-to-date`);
      }
      expect(out).not.toMatch(/seeded/);
      expect(warmMs).toBeLessThan(coldMs);
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(0);
      expect(processesUnder(`${demo.dir}/services`)).toEqual([]);
    });

    it('migrate status reports every target with nothing pending, in JSON too', async () => {
      const { code, output } = await runCli(args('migrate', 'status', '--json'), { cwd: demo.dir, env });
      expect(code).toBe(0);
      const report = JSON.parse(output.slice(output.indexOf('{')));
      expect(report.targets.map((t: { schema: string }) => t.schema)).toEqual([
        'auth_default',
        'auth_acme',
        'auth_globex',
        'workflow_default',
        'ingestion_default',
      ]);
      expect(report.targets.every((t: { pending: unknown[] }) => t.pending.length === 0)).toBe(true);
    });
  });
}
