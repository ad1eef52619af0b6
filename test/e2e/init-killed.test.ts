import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { type ConnectionInfo, withClient } from '../../src/database/connection/connection.js';
import { freePort } from '../helpers/ports.js';
import { ROOT, runCli, startCli } from './demo-helpers.js';

const dir = path.join(ROOT, 'test/e2e/.work', `init-killed-${randomBytes(4).toString('hex')}`);
const project = `devup-e2e-${path.basename(dir)}`;
const main = project.replace(/[^a-z0-9_]/g, '_');
const env = { ...process.env, CI: 'true', DEVUP_STATE_HOME: path.join(dir, 'state') };

afterAll(async () => {
  await runCli(['down', '--volumes', '--yes'], { cwd: dir, env });
  rmSync(dir, { recursive: true, force: true });
});

// Found by the round-two adversarial pass: a devup killed in the middle of database.init left the
// database the file creates, and every later run failed on its CREATE DATABASE.
it('a database.init killed after its CREATE DATABASE runs again whole on the next migrate', async () => {
  const port = await freePort(61_100, 800);
  mkdirSync(path.join(dir, 'db'), { recursive: true });
  mkdirSync(path.join(dir, 'svc/migrations'), { recursive: true });
  writeFileSync(
    path.join(dir, 'devup.config.json'),
    JSON.stringify({
      project,
      database: { engine: 'embedded', port, init: 'db/init.sql' },
      services: { svc: { cwd: 'svc', migrations: { dir: 'migrations' } } },
    }),
  );
  // The run waits after the new database has its table, until the test creates the database "go".
  writeFileSync(
    path.join(dir, 'db/init.sql'),
    `CREATE DATABASE extra;\n\\c extra\nCREATE TABLE t (id int);\n\\c ${main}\nDO $$ BEGIN WHILE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'go') LOOP PERFORM pg_sleep(0.05); END LOOP; END $$;\n`,
  );
  writeFileSync(path.join(dir, 'svc/migrations/0001_a.sql'), 'create table a (id int);\n');
  const first = startCli(['migrate'], { cwd: dir, env });
  const db = (): ConnectionInfo => ({
    host: '127.0.0.1',
    port,
    user: 'devup',
    password: readFileSync(path.join(dir, '.devup/password'), 'utf8').trim(),
    database: main,
  });
  const waiting = async () => {
    try {
      const { rows } = await withClient({ ...db(), database: 'postgres' }, (c) =>
        c.query(
          "select count(*)::int as n from pg_stat_activity where pid <> pg_backend_pid() and query like '%WHILE NOT EXISTS (SELECT FROM pg_database%'",
        ),
      );
      return rows[0].n > 0;
    } catch {
      return false; // not booted yet
    }
  };
  while (!(await waiting())) await new Promise((resolve) => setTimeout(resolve, 50));
  first.child.kill('SIGKILL');
  await first.exited;
  await withClient(db(), (c) => c.query('create database go'));
  const again = await runCli(['migrate'], { cwd: dir, env });
  expect(again.output).toMatch(/database extra dropped: an interrupted run of db\/init\.sql had created it/);
  expect(again.code, again.output).toBe(0);
  const tables = await withClient({ ...db(), database: 'extra' }, (c) =>
    c.query("select count(*)::int as n from pg_tables where tablename = 't'"),
  );
  expect(tables.rows[0].n).toBe(1);
});
