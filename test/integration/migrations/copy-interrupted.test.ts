import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { ResolvedConfig } from '../../../src/config/types.js';
import { copyName } from '../../../src/copies/copy-labels.js';
import { pendingName } from '../../../src/copies/database-copy.js';
import { tidyProjectCopies } from '../../../src/copies/reset-template.js';
import { listSnapshots, saveSnapshot } from '../../../src/copies/snapshots.js';
import {
  type ConnectionInfo,
  connect,
  connectionUrl,
  withClient,
} from '../../../src/database/connection/connection.js';
import { commandContext } from '../../helpers/command-context.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { testServer } from '../helpers/database.js';

// The killed command is the built CLI (dist): `npm run build` first.
const cli = path.resolve(import.meta.dirname, '../../../bin/devup.js');
const suffix = randomBytes(4).toString('hex');
const project = `devup_ci_${suffix}`;
const main = `devup_ci_${suffix}`;
let server: ConnectionInfo;
let admin: ConnectionInfo;
let maintenance: pg.Client;
let ws: Workspace;
let config: ResolvedConfig;

/** Every database named as devup names copies of `main`, with its label (null: none). */
async function copiesOnServer(): Promise<{ datname: string; comment: string | null }[]> {
  const { rows } = await maintenance.query<{ datname: string; comment: string | null }>(
    `select datname, shobj_description(oid, 'pg_database') as comment from pg_database
      where starts_with(datname, $1) order by datname`,
    [`${main}__devup_`],
  );
  return rows;
}

beforeAll(async () => {
  server = testServer();
  admin = { ...server, database: main };
  maintenance = await connect({ ...server, database: 'postgres' });
  await maintenance.query(`create database ${main}`);
  ws = createWorkspace({ 'app/migrations/0001_items.sql': 'create table items (id int);' });
  const raw = {
    project,
    database: { engine: 'external', url: connectionUrl(admin), createDatabases: true },
    services: { app: { cwd: 'app', migrations: { dir: 'migrations' } } },
  };
  ws.write('devup.config.json', JSON.stringify(raw));
  config = ws.config(raw);
});

afterAll(async () => {
  for (const { datname } of await copiesOnServer()) {
    await maintenance.query(`alter database "${datname}" is_template false`).catch(() => {});
    await maintenance.query(`drop database if exists "${datname}" with (force)`);
  }
  await maintenance.query(`drop database if exists ${main} with (force)`);
  await maintenance.end();
  ws?.cleanup();
});

/**
 * Runs the CLI with `args` until it waits to label a database (pg_shdescription held here) with a
 * statement naming `naming`, then kills it outright, as kill -9 or a closed terminal would.
 */
async function killWhileLabelling(args: string[], naming: string): Promise<void> {
  const holder = await connect({ ...server, database: 'postgres' });
  try {
    await holder.query('begin; lock table pg_catalog.pg_shdescription in exclusive mode');
    const child = spawn(process.execPath, [cli, ...args, '--config', ws.dir], { cwd: ws.dir, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const backend = await vi.waitFor(
      async () => {
        const { rows } = await maintenance.query<{ pid: number }>(
          // Tests running beside this one label copies too: only this project's copy counts.
          `select l.pid from pg_locks l join pg_stat_activity a using (pid)
            where not l.granted and l.relation = 'pg_catalog.pg_shdescription'::regclass and strpos(a.query, $1) > 0`,
          [naming],
        );
        expect(rows).toHaveLength(1);
        return rows[0]?.pid as number;
      },
      { timeout: 60_000, interval: 25 },
    );
    child.kill('SIGKILL');
    await exited;
    // What the server does once it sees the client gone; done here, it waits on no timing.
    await maintenance.query('select pg_terminate_backend($1)', [backend]);
    await vi.waitFor(
      async () =>
        expect((await maintenance.query('select 1 from pg_stat_activity where pid = $1', [backend])).rowCount).toBe(0),
      { timeout: 60_000, interval: 25 },
    );
    await holder.query('rollback');
  } finally {
    await holder.end();
  }
}

it('a snapshot save killed between the copy and its label leaves nothing that blocks the next one', async () => {
  // Labelling a copy writes pg_shdescription: held, the copy exists and waits for its label.
  await killWhileLabelling(['snapshot', 'save', 'before'], `${main}__devup_`);
  // The copy was made, its label never written.
  expect((await copiesOnServer()).filter((c) => c.comment === null)).toHaveLength(1);

  await saveSnapshot(config, admin, 'before');
  expect(await copiesOnServer()).toEqual([
    { datname: copyName(main, 'snap_before'), comment: expect.stringMatching(/^devup:/) },
  ]);
  expect((await listSnapshots(config, admin)).map((s) => s.name)).toEqual(['before']);
});

it('tidy drops a pending copy nobody made again, and never a database of the user under a devup name', async () => {
  const abandoned = pendingName(copyName(main, 'snap_abandoned'));
  const users = copyName(main, 'notes');
  await maintenance.query(`create database "${abandoned}" template ${main} is_template true allow_connections false`);
  // Unlabelled but open to connections: the user's, whatever its name says.
  await maintenance.query(`create database "${users}" template ${main}`);
  await tidyProjectCopies(config, admin);
  const left = (await copiesOnServer()).map((c) => c.datname);
  expect(left).not.toContain(abandoned);
  expect(left).toContain(users);
  await maintenance.query(`drop database "${users}"`);
});

it('an unlabelled database at a snapshot name, even one taking no connections, is refused and left alone', async () => {
  const target = copyName(main, 'snap_older');
  await maintenance.query(`create database "${target}" template ${main} is_template true allow_connections false`);
  await expect(saveSnapshot(config, admin, 'older')).rejects.toThrow(
    `cannot save snapshot older: the database ${target} exists and devup did not make it (it has no devup label)`,
  );
  expect((await copiesOnServer()).find((c) => c.datname === target)).toEqual({ datname: target, comment: null });
  await maintenance.query(`alter database "${target}" is_template false`);
  await maintenance.query(`drop database "${target}"`);
});

it('a reset killed while it swaps a database for its template leaves the database in place, under its name', async () => {
  const reset = (await import('../../../src/cli/reset.js')).default;
  const lines: string[] = [];
  expect(await reset(commandContext(config, lines), { yes: true, seed: true, start: false }), lines.join('')).toBe(0);
  await tidyProjectCopies(config, admin); // the spare: the next reset is renames only
  await withClient(admin, (c) => c.query('insert into app_default.items values (42)'));

  // The swap labels the replaced database `trash`: held, it waits there, its renames done.
  await killWhileLabelling(['reset', '--yes', '--no-start'], `${main}__devup_trash_`);
  const rows = await withClient(admin, (c) => c.query('select id from app_default.items'));
  expect(rows.rows).toEqual([{ id: 42 }]);
  const open = await maintenance.query(
    `select datname from pg_database where starts_with(datname, $1) and datallowconn`,
    [`${main}__devup_`],
  );
  expect(open.rows).toEqual([]);
});
