import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { commandProgram, describeCommand, spawnTool } from '../../../src/migrations/tools/tool-process.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'devup-tool-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

/** Running, as opposed to gone or a zombie waiting for an init that may be slow to reap it. */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('spawnTool', () => {
  it('streams stdout and stderr line by line with secrets masked, and keeps the tail', async () => {
    const lines: string[] = [];
    const result = await spawnTool(
      { shell: 'for i in 1 2 3 4 5; do echo "line $i s3cret"; done; echo oops >&2; exit 3' },
      { cwd: dir, env, onLine: (l) => lines.push(l), secrets: ['s3cret'], tailLines: 3 },
    );
    expect(lines).toContain('line 1 ****');
    expect(lines).toContain('oops');
    expect(lines.join('\n')).not.toContain('s3cret');
    expect(result).toMatchObject({ failed: true, exitCode: 3, notFound: false, canceled: false });
    expect(result.tail).toHaveLength(3);
  });

  it('reports a missing program, run directly or through a shell', async () => {
    const direct = await spawnTool(
      { argv: ['devup-no-such-tool', 'up'] },
      { cwd: dir, env, onLine: () => {}, secrets: [] },
    );
    expect(direct).toMatchObject({ failed: true, notFound: true });
    const shell = await spawnTool({ shell: 'devup-no-such-tool up' }, { cwd: dir, env, onLine: () => {}, secrets: [] });
    expect(shell).toMatchObject({ failed: true, notFound: true, exitCode: 127 });
  });

  it('kills the whole process tree on abort', async () => {
    const pidFile = path.join(dir, 'child.pid');
    const controller = new AbortController();
    const run = spawnTool(
      // The shell starts a child and waits: both must go.
      { shell: `sleep 30 & echo $! > ${pidFile}; wait` },
      { cwd: dir, env, onLine: () => {}, signal: controller.signal, secrets: [] },
    );
    await vi.waitFor(() => expect(existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim()).toBeTruthy(), {
      timeout: 30_000,
      interval: 20,
    });
    const child = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(child)).toBe(true);
    controller.abort();
    const result = await run;
    expect(result.canceled).toBe(true);
    // SIGKILL is delivered asynchronously and the orphan must be reaped: poll the process table.
    await vi.waitFor(() => expect(alive(child)).toBe(false), { timeout: 30_000, interval: 20 });
  });
});

describe('describeCommand', () => {
  it('quotes what a shell would split', () => {
    expect(describeCommand({ argv: ['python3', '-m', 'alembic', 'upgrade', 'head'] })).toBe(
      'python3 -m alembic upgrade head',
    );
    expect(describeCommand({ argv: ['sh', '-c', "echo 'hi there'"] })).toBe(`sh -c 'echo '\\''hi there'\\'''`);
    expect(describeCommand({ shell: 'poetry run alembic upgrade head' })).toBe('poetry run alembic upgrade head');
    expect(commandProgram({ shell: '  poetry run alembic' })).toBe('poetry');
  });
});
