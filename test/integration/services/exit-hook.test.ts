import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, SupervisorHarness } from './supervisor-harness.js';

const run = promisify(execFile);
const JITI = path.resolve(FIXTURES, '../../../node_modules/.bin/jiti');
const harnesses: SupervisorHarness[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.cleanup();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("when devup's own process ends without stop()", () => {
  it.each(['exit', 'throw'])('%s: every process group is SIGKILLed and the state file removed', async (how) => {
    const harness = new SupervisorHarness();
    harnesses.push(harness);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'devup-exit-'));
    dirs.push(dir);
    const stateFile = path.join(dir, 'services.json');
    const result = await run(JITI, [path.join(FIXTURES, 'exit-without-stop.ts'), harness.marker, stateFile, how]).catch(
      (error: { stdout: string; stderr: string; code: number }) => error,
    );
    expect(result.stdout).toContain('server | server ready');
    expect(result.stdout).toContain('started');
    if (how === 'throw') expect(result.stderr).toContain('a bug in devup');
    // SIGKILL is delivered asynchronously: on a busy machine the last process may need a moment to die.
    await harness.until(() => harness.survivors().length === 0).catch(() => {});
    expect(harness.survivors()).toEqual([]);
    expect(existsSync(stateFile)).toBe(false);
  });
});
