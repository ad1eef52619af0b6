import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { CommandContext } from '../../../src/app/context.js';
import snapshotList from '../../../src/cli/snapshot-list.js';
import snapshotRestore from '../../../src/cli/snapshot-restore.js';
import snapshotSave from '../../../src/cli/snapshot-save.js';
import type { ResolvedConfig } from '../../../src/config/types.js';
import { copyName } from '../../../src/copies/copy-labels.js';
import { type ConnectionInfo, connect, connectionUrl } from '../../../src/database/connection/connection.js';
import { commandContext } from '../../helpers/command-context.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { testServer } from '../helpers/database.js';

// The killed command is the built CLI (dist): `npm run build` first.
const cli = path.resolve(import.meta.dirname, '../../../bin/devup.js');
const suffix = randomBytes(4).toString('hex');
const project = `devup_ss_${suffix}`;
const main = `devup_ss_${suffix}`;
const authDb = `devup_ss_${suffix}_auth`;
let server: ConnectionInfo;
let maintenance: pg.Client;
let ws: Workspace;
let config: ResolvedConfig;

async function run<Options, Args>(
  handler: (ctx: CommandContext, options: Options, args: Args) => Promise<number>,
  options: Options,
  args: Args,
): Promise<{ code: number | undefined; output: string; error: Error | undefined }> {
  const lines: string[] = [];
  try {
    const code = await handler(commandContext(config, lines, 'external'), options, args);
    return { code, output: lines.join(''), error: undefined };
  } catch (error) {
    return { code: undefined, output: lines.join(''), error: error as Error };
  }
}

/** Every database named as devup names copies of the project's databases, with its comment. */
async function copiesOnServer(): Promise<{ datname: string; comment: string | null }[]> {
  const { rows } = await maintenance.query<{ datname: string; comment: string | null }>(
    `select datname, shobj_description(oid, 'pg_database') as comment from pg_database
      where starts_with(datname, $1) and strpos(datname, '__devup_') > 0 order by datname`,
    [main],
  );
  return rows;
}

/**
 * Runs the CLI with `args` while this test holds a lock on the database `blocked` (a comment
 * being written on it, uncommitted): the CLI's first statement that needs that database whole
 * (a copy from it, a rename of it) waits. Once a statement containing `naming` waits there, the
 * CLI is killed outright, as kill -9 or a closed terminal would; its backend is ended as the
 * server would once it noticed, and the lock is let go.
 */
async function killWhenBlocked(args: string[], blocked: string, naming: string): Promise<void> {
  const holder = await connect({ ...server, database: 'postgres' });
  try {
    await holder.query(`begin; comment on database "${blocked}" is null`);
    const child = spawn(process.execPath, [cli, ...args, '--config', ws.dir], { cwd: ws.dir, stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const early = exited.then((code) => {
      throw new Error(`devup ${args.join(' ')} exited (${code}) before it waited on ${blocked}`);
    });
    const backend = await Promise.race([
      early,
      vi.waitFor(
        async () => {
          const { rows } = await maintenance.query<{ pid: number }>(
            `select pid from pg_stat_activity where wait_event_type = 'Lock' and strpos(query, $1) > 0`,
            [naming],
          );
          expect(rows).toHaveLength(1);
          return rows[0]?.pid as number;
        },
        { timeout: 60_000, interval: 25 },
      ),
    ]);
    early.catch(() => {});
    child.kill('SIGKILL');
    await exited;
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

async function rows(database: string, sql: string): Promise<unknown[]> {
  const c = await connect({ ...server, database });
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  server = testServer();
  maintenance = await connect({ ...server, database: 'postgres' });
  await maintenance.query(`create database ${main}`);
  await maintenance.query(`create database ${authDb}`);
  ws = createWorkspace({
    'app/migrations/0001_items.sql': 'create table items (id int);',
    'auth/migrations/0001_users.sql': 'create table users (id int);',
  });
  const raw = {
    project,
    database: { engine: 'external', url: connectionUrl({ ...server, database: main }), createDatabases: true },
    services: {
      app: { cwd: 'app', migrations: { dir: 'migrations' } },
      auth: { cwd: 'auth', database: authDb, migrations: { dir: 'migrations' } },
    },
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
  await maintenance.query(`drop database if exists ${authDb} with (force)`);
  await maintenance.end();
  ws?.cleanup();
});

it("snapshot save never drops a user's database that merely has a snapshot's name: it refuses and touches nothing", async () => {
  const mine = copyName(authDb, 'snap_mine2');
  const closed = copyName(authDb, 'snap_mine3');
  // One open as usual, one that takes no connections (archived, say): neither carries devup's label.
  await maintenance.query(`create database "${mine}"`);
  await maintenance.query(`create database "${closed}"`);
  for (const database of [mine, closed]) {
    const c = await connect({ ...server, database });
    await c.query("create table notes (body text); insert into notes values ('mine')");
    await c.end();
  }
  await maintenance.query(`alter database "${closed}" allow_connections false`);
  const before = await copiesOnServer();

  // The closed one first: an older devup took an unlabelled database taking no connections for its own leftover.
  for (const [name, database] of [
    ['mine3', closed],
    ['mine2', mine],
  ] as const) {
    const saved = await run(snapshotSave, {}, [name]);
    expect(saved.code, saved.output).toBeUndefined();
    expect(saved.error?.message).toBe(
      `cannot save snapshot ${name}: the database ${database} exists and devup did not make it (it has no devup label)`,
    );
    expect((saved.error as { hint?: string }).hint).toMatch(/Pick another snapshot name/);
    expect(await copiesOnServer()).toEqual(before);
  }
  await maintenance.query(`alter database "${closed}" allow_connections true`);
  for (const database of [mine, closed]) {
    const c = await connect({ ...server, database });
    expect((await c.query('select body from notes')).rows).toEqual([{ body: 'mine' }]);
    await c.end();
  }
});

it('a snapshot save killed midway is listed as incomplete, never restored, and removed by the next save, which says so', async () => {
  // The first database is copied; the copy of the second waits on the lock held here.
  await killWhenBlocked(['snapshot', 'save', 'half'], authDb, `${authDb}__devup_snap_half`);
  const left = (await copiesOnServer()).filter((c) => c.datname.includes('snap_half'));
  expect(left.map((c) => c.datname)).toEqual([copyName(main, 'snap_half')]);

  const listed = await run(snapshotList, {}, []);
  expect(listed.output).toMatch(/^half .* INCOMPLETE: its save was interrupted \(or is running\); not restorable$/m);
  const restored = await run(snapshotRestore, { yes: true, seed: true }, ['half']);
  expect(restored.error?.message).toBe('snapshot half is incomplete: its save was interrupted (or is still running)');
  expect(restored.output).not.toMatch(/Restored/);

  const next = await run(snapshotSave, {}, ['whole']);
  expect(next.code, next.output).toBe(0);
  expect(next.output).toContain(
    'Removed what an interrupted command left: the incomplete snapshot half (1 copy; its save was interrupted, save it again).',
  );
  const after = await run(snapshotList, {}, []);
  expect(after.output).toMatch(/^whole .* migrations unchanged since$/m);
  expect(after.output).not.toMatch(/half/);
});

it('a snapshot restore killed midway leaves every database as it was, and the next restore clears its clones and says so', async () => {
  await rows(main, "create table marks (at text); insert into marks values ('snapshot')");
  await rows(authDb, "create table marks (at text); insert into marks values ('snapshot')");
  expect((await run(snapshotSave, {}, ['base'])).code).toBe(0);
  await rows(main, "insert into marks values ('later')");
  await rows(authDb, "insert into marks values ('later')");

  // Both clones are made; the swap waits to rename the second database, the first renamed in it.
  await killWhenBlocked(['snapshot', 'restore', 'base', '--yes'], authDb, `"${authDb}" rename to`);
  for (const database of [main, authDb]) {
    expect(await rows(database, 'select at from marks order by at'), database).toEqual([
      { at: 'later' },
      { at: 'snapshot' },
    ]);
  }

  const again = await run(snapshotRestore, { yes: true, seed: true }, ['base']);
  expect(again.code, again.output).toBe(0);
  expect(again.output).toContain(
    'Removed what an interrupted command left: 2 clones of snapshot base from a restore or reset stopped before it replaced anything (the databases are as they were).',
  );
  for (const database of [main, authDb]) {
    expect(await rows(database, 'select at from marks'), database).toEqual([{ at: 'snapshot' }]);
  }
});
