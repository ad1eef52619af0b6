import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, expect, it } from 'vitest';
import { addExitHook, pendingExitHooks, runExitHooks } from '../../../src/lib/exit-hooks.js';

const removals: (() => void)[] = [];
function add(hook: () => void): () => void {
  const remove = addExitHook(hook);
  removals.push(remove);
  return remove;
}
afterEach(() => {
  for (const remove of removals.splice(0)) remove();
});

it('runs the hooks newest first, each once, past one that throws', () => {
  const ran: string[] = [];
  add(() => ran.push('claim'));
  add(() => {
    throw new Error('state file already gone');
  });
  add(() => ran.push('process groups'));
  runExitHooks();
  expect(ran).toEqual(['process groups', 'claim']);
  runExitHooks();
  expect(ran).toEqual(['process groups', 'claim']);
  expect(pendingExitHooks()).toBe(0);
});

it('does not run a removed hook, and removing twice removes nothing else', () => {
  const ran: string[] = [];
  const hook = () => ran.push('terminal');
  add(hook);
  const removeSecond = add(hook);
  add(() => ran.push('throwaway'));
  removeSecond();
  removeSecond();
  expect(pendingExitHooks()).toBe(2);
  runExitHooks();
  expect(ran).toEqual(['throwaway', 'terminal']);
});

it('listens on process exit once while hooks are registered, and not at all once none are', () => {
  const before = process.listenerCount('exit');
  const first = add(() => {});
  const second = add(() => {});
  expect(process.listenerCount('exit')).toBe(before + 1);
  first();
  expect(process.listenerCount('exit')).toBe(before + 1);
  second();
  expect(process.listenerCount('exit')).toBe(before);
});

it('runs the hooks when a real process exits through process.exit', async () => {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  // The module is TypeScript: jiti (devup's config loader) loads it in a plain Node child.
  const script = `
    const { createJiti } = await import('jiti');
    const { addExitHook } = await createJiti(import.meta.url).import('./src/lib/exit-hooks.ts');
    addExitHook(() => process.stdout.write('first registered\\n'));
    const remove = addExitHook(() => process.stdout.write('removed\\n'));
    addExitHook(() => { throw new Error('ignored'); });
    addExitHook(() => process.stdout.write('last registered\\n'));
    remove();
    process.exit(3);
  `;
  const child = promisify(execFile)(process.execPath, ['--input-type=module', '--eval', script], { cwd: root });
  await expect(child).rejects.toMatchObject({ code: 3, stdout: 'last registered\nfirst registered\n' });
});
