// init: `devup init --yes` on the demo without its config (3 services with SQL migrations), as a
// process, the files written included. The copy is made before each run, outside the timing.
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { onCleanup } from './cleanup.mjs';
import { runCases } from './measure.mjs';
import { timeCommand } from './util.mjs';

export const INIT_ROWS = [
  { id: 'init.demo', label: 'devup init --yes, demo without its config (3 services, process)' },
];

export async function initSuite({ repo, tempRoot, runs }) {
  const dir = path.join(tempRoot, 'init-demo');
  onCleanup('remove the init demo copy', () => rmSync(dir, { recursive: true, force: true }));
  const cli = path.join(repo, 'bin', 'devup.js');
  const run = async () => {
    rmSync(dir, { recursive: true, force: true });
    cpSync(path.join(repo, 'demo'), dir, {
      recursive: true,
      filter: (src) => !src.includes('.devup') && !src.endsWith('devup.config.mjs'),
    });
    const { ms } = await timeCommand(process.execPath, [cli, 'init', '--yes'], { cwd: dir, env: { CI: 'true' } });
    return ms;
  };
  return runCases([{ ...INIT_ROWS[0], group: 'init', kind: 'devup', run }], runs, { title: 'init' });
}
