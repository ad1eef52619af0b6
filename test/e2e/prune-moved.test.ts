import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processStart } from '../../src/process-identity.js';
import { copyDemo, type RunningCli, runCli, startCli } from './demo-helpers.js';

/** No upper bound: a loaded machine is slow, not wrong. The test runner's own timeout still applies. */
const NO_LIMIT = 2_147_483_647;

// Issue 26 item 8: a checkout renamed while its `devup dev` runs is not a deleted one.
describe('prune and a checkout moved while its devup dev runs (embedded engine)', () => {
  let demo: Awaited<ReturnType<typeof copyDemo>>;
  let moved: string;
  let env: NodeJS.ProcessEnv;
  let cli: RunningCli | undefined;

  beforeAll(async () => {
    demo = await copyDemo();
    moved = `${demo.dir}-moved`;
    env = { ...demo.env, DEVUP_STATE_HOME: `${demo.dir}-state`, DEVUP_NO_BACKGROUND_TIDY: '1' };
  });
  afterAll(async () => {
    if (cli?.child.exitCode === null) cli.child.kill('SIGINT');
    await cli?.exited;
    for (const dir of [moved, demo.dir]) {
      if (existsSync(path.join(dir, 'devup.config.mjs'))) {
        await runCli(['down', '--volumes', '--yes', '--engine', 'embedded'], { cwd: dir, env });
      }
      rmSync(dir, { recursive: true, force: true });
    }
    rmSync(`${demo.dir}-state`, { recursive: true, force: true });
  });

  it('prune refuses naming the running session, and the stopping session recreates nothing at the old path', async () => {
    cli = startCli(['dev', '--engine', 'embedded'], { cwd: demo.dir, env });
    await cli.waitFor(/Watching the migrations of auth, workflow, ingestion/, NO_LIMIT);
    const postgres = Number(
      readFileSync(path.join(demo.dir, '.devup/postgres/data/postmaster.pid'), 'utf8').split('\n')[0],
    );
    expect(processStart(postgres)).toBeDefined();

    renameSync(demo.dir, moved);
    const listed = await runCli(['ls'], { cwd: path.dirname(moved), env });
    expect(listed.output).toContain(`(moved to ${moved}, where its devup dev runs)`);
    expect(listed.output).toContain(`devup dev running (pid ${cli.child.pid}`);
    expect(listed.output).not.toContain('devup prune');
    const pruned = await runCli(['prune', '--yes'], { cwd: path.dirname(moved), env });
    expect(pruned.output).toContain(`its devup dev (pid ${cli.child.pid}, since`);
    expect(pruned.output).toContain(moved);
    expect(pruned.code, pruned.output).toBe(1);
    // The session's server was left alone.
    expect(processStart(postgres)).toBeDefined();

    cli.child.kill('SIGINT');
    expect(await cli.exited, cli.output()).toBe(0);
    expect(cli.output()).toMatch(/Services stopped/);
    expect(existsSync(demo.dir)).toBe(false);
    // What the session wrote went to where the checkout is now.
    expect(existsSync(path.join(moved, '.devup/logs'))).toBe(true);

    // The server still runs with -D naming the old path: down at the new one stops it too.
    const down = await runCli(['down', '--volumes', '--yes', '--engine', 'embedded'], { cwd: moved, env });
    expect(down.code, down.output).toBe(0);
    expect(processStart(postgres)).toBeUndefined();
  });
});
