// reset at size: the demo grown by N migrations in auth (a table with a primary key each, in its
// three tenant schemas: 6 relations per migration), `devup reset --yes --no-start` timed right
// after a full rebuild, as a user runs it: the rebuild's background tidy is not waited for.
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { onCleanup } from './cleanup.mjs';
import { tidyFinished, timedDevup } from './demo.mjs';
import { runCases } from './measure.mjs';
import { freePort, log, runSync } from './util.mjs';

export const RESET_SIZES = [900, 2000];
export const RESET_SIZE_ROWS = RESET_SIZES.map((relations) => ({
  id: `reset.template-${relations}`,
  label: `devup reset --yes --no-start right after a rebuild (${relations} relations)`,
}));

async function sizedDemo(repo, relations) {
  const dir = path.join(repo, 'bench', '.work', `reset-${relations}-${randomBytes(3).toString('hex')}`);
  mkdirSync(path.dirname(dir), { recursive: true });
  cpSync(path.join(repo, 'demo'), dir, { recursive: true, filter: (src) => !/[/\\]\.devup|[/\\]\.env$/.test(src) });
  const count = Math.ceil(relations / 6);
  for (let i = 0; i < count; i++) {
    const version = String(1000 + i).padStart(4, '0');
    writeFileSync(
      path.join(dir, 'services', 'auth', 'migrations', `${version}_bench_${i}.sql`),
      `create table bench_${i} (id int primary key, v int);\n`,
    );
  }
  const env = {
    ...process.env,
    CI: 'true',
    DEMO_PROJECT: `devup-bench-${process.pid}-reset-${relations}`,
    DEMO_DB_PORT: String(await freePort()),
    DEMO_AUTH_PORT: String(await freePort()),
    DEMO_WORKFLOW_PORT: String(await freePort()),
    DEMO_INGESTION_PORT: String(await freePort()),
  };
  return {
    dir,
    env,
    config: path.join(dir, 'devup.config.mjs'),
    changed: path.join(
      dir,
      'services',
      'auth',
      'migrations',
      `${String(1000 + count - 1).padStart(4, '0')}_bench_${count - 1}.sql`,
    ),
    last: count - 1,
  };
}

export async function resetSizeSuite({ repo, runs }) {
  log('\n== reset at size: the template path right after a full rebuild');
  const results = [];
  for (const [index, relations] of RESET_SIZES.entries()) {
    const demo = await sizedDemo(repo, relations);
    const args = ['--engine', 'embedded', '--config', demo.config];
    const devup = (rest, expected) => timedDevup(repo, [...rest, ...args], expected, { cwd: demo.dir, env: demo.env });
    const dispose = onCleanup(`remove the ${relations}-relation demo`, () => {
      runSync(process.execPath, [path.join(repo, 'bin', 'devup.js'), 'down', '--volumes', '--yes', ...args], {
        cwd: demo.dir,
        env: demo.env,
        allowFailure: true,
      });
      rmSync(demo.dir, { recursive: true, force: true });
    });
    try {
      await devup(['migrate'], /applied|up-to-date/);
      results.push(
        ...(await runCases(
          [
            {
              ...RESET_SIZE_ROWS[index],
              group: 'reset',
              kind: 'devup',
              note: `embedded; the demo + ${demo.last + 1} migrations in auth's 3 tenants`,
              // A migration edited, then the full rebuild that keeps a new template (untimed); its
              // tidy-copies may still run when the timed reset starts (it waits on the copy lock).
              prepare: async () => {
                writeFileSync(
                  demo.changed,
                  `-- ${Date.now()}\ncreate table bench_${demo.last} (id int primary key, v int);\n`,
                );
                await tidyFinished(demo.config);
                await devup(['reset', '--yes', '--no-start'], /Full rebuild/);
              },
              run: () => devup(['reset', '--yes', '--no-start'], /Reset from the template/),
            },
          ],
          runs,
          { title: `reset ${relations}` },
        )),
      );
    } finally {
      dispose();
    }
  }
  return results;
}
