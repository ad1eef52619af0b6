import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { withClient } from '../../src/database/connection/connection.js';
import { freePort } from '../helpers/ports.js';
import { ROOT, runCli } from './demo-helpers.js';

const dir = path.join(ROOT, 'test/e2e/.work', `redo-down-${randomBytes(4).toString('hex')}`);
const project = `devup-e2e-${path.basename(dir)}`;
const env = { ...process.env, CI: 'true', DEVUP_STATE_HOME: path.join(dir, 'state') };
const cli = (...args: string[]) => runCli(args, { cwd: dir, env });

afterAll(async () => {
  await cli('down', '--volumes', '--yes');
  rmSync(dir, { recursive: true, force: true });
});

// Found by the round-two adversarial pass: redo rolled tenant a back, then refused tenant b (its
// newest migration has no down section), leaving a rolled back and not migrated again.
it('migrate redo and migrate down refuse before anything runs when one tenant’s migration has no down', async () => {
  const port = await freePort(61_100, 800);
  const migrations = path.join(dir, 'svc/migrations');
  mkdirSync(migrations, { recursive: true });
  writeFileSync(
    path.join(dir, 'devup.config.json'),
    JSON.stringify({
      project,
      database: { engine: 'embedded', port },
      services: { svc: { cwd: 'svc', migrations: { dir: 'migrations', tenants: ['a', 'b'] } } },
    }),
  );
  writeFileSync(
    path.join(migrations, '0001_a.sql'),
    '-- migrate:up\ncreate table a (id int);\n-- migrate:down\ndrop table a;\n',
  );
  const first = await cli('migrate');
  expect(first.code, first.output).toBe(0);
  writeFileSync(path.join(migrations, '0002_b.sql'), '-- migrate:up\ncreate table b (id int);\n');
  const onlyB = await cli('migrate', '--tenant', 'b');
  expect(onlyB.code, onlyB.output).toBe(0);

  for (const command of [
    ['migrate', 'redo'],
    ['migrate', 'down'],
  ]) {
    const run = await cli(...command, '--yes');
    expect(run.output).toContain('cannot roll back svc_b: 0002_b: no down migration; nothing was rolled back');
    expect(run.code, run.output).toBe(1);
  }
  const password = readFileSync(path.join(dir, '.devup/password'), 'utf8').trim();
  const database = project.replace(/[^a-z0-9_]/g, '_');
  const { rows } = await withClient({ host: '127.0.0.1', port, user: 'devup', password, database }, (c) =>
    c.query("select count(*)::int as n from pg_tables where schemaname = 'svc_a' and tablename = 'a'"),
  );
  expect(rows[0].n).toBe(1);
});
