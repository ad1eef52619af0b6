import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CommandContext } from '../../../src/app/context.js';
import reset from '../../../src/cli/reset.js';
import snapshotList from '../../../src/cli/snapshot-list.js';
import snapshotRestore from '../../../src/cli/snapshot-restore.js';
import snapshotSave from '../../../src/cli/snapshot-save.js';
import type { ResolvedConfig } from '../../../src/config/types.js';
import { listCopies } from '../../../src/copies/copy-labels.js';
import { keepTemplates, tidyProjectCopies } from '../../../src/copies/reset-template.js';
import {
  type ConnectionInfo,
  connect,
  connectionUrl,
  withClient,
} from '../../../src/database/connection/connection.js';
import { commandContext } from '../../helpers/command-context.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { testServer } from '../helpers/database.js';

// Integration tests tidy in the foreground (vitest.config.ts), so nothing outlives a test.

const suffix = randomBytes(4).toString('hex');
const project = `devup_tpl_${suffix}`;
const main = `devup_tpl_${suffix}`;
const authDb = `devup_tpl_${suffix}_auth`;
let server: ConnectionInfo;
let admin: ConnectionInfo;
let ws: Workspace;
let config: ResolvedConfig;
let lines: string[] = [];

/** Runs a command handler; returns its exit code and what it printed. */
async function run<Options, Args>(
  handler: (ctx: CommandContext, options: Options, args: Args) => Promise<number>,
  options: Options,
  args: Args,
) {
  lines = [];
  const code = await handler(commandContext(config, lines, 'external'), options, args);
  return { code, output: lines.join('') };
}

const resetAll = () => run(reset, { yes: true, seed: true, start: false }, []);
const query = (sql: string, database = main) => withClient(admin, (c) => c.query(sql), { database });
const count = async (sql: string, database = main) => Number((await query(sql, database)).rows[0]?.n);

beforeAll(async () => {
  server = testServer();
  admin = { ...server, database: main };
  await withClient({ ...server, database: 'postgres' }, (c) => c.query(`create database ${main}`));
  ws = createWorkspace({
    'app/migrations/0001_items.sql': 'create table items (id serial primary key, name text not null);',
    'app/seeds/01_items.sql': "insert into items (name) values ('seeded');",
    'auth/migrations/0001_users.sql': 'create table users (id serial primary key, email text);',
  });
  config = ws.config({
    project,
    database: { engine: 'external', url: connectionUrl(admin), createDatabases: true },
    services: {
      app: { cwd: 'app', migrations: { dir: 'migrations' }, seed: 'seeds/*.sql' },
      auth: { cwd: 'auth', database: authDb, migrations: { dir: 'migrations' } },
    },
  });
});

afterAll(async () => {
  await withClient({ ...server, database: 'postgres' }, async (c) => {
    const copies = await listCopies(c, project);
    for (const name of [...copies.map((x) => x.database), main, authDb]) {
      await c.query(`alter database "${name}" is_template false`).catch(() => {});
      await c.query(`drop database if exists "${name}" with (force)`);
    }
  });
  ws?.cleanup();
});

it('a reset from zero keeps a template per database; the next reset restores it: rows gone, seeds back', async () => {
  const first = await resetAll();
  expect(first.code, first.output).toBe(0);
  expect(first.output).toMatch(/↺ Full rebuild through the migrations: no template yet\./);
  expect(first.output).toMatch(/Template kept for the next reset/);
  const templates = await withClient(admin, (c) => listCopies(c, project), { database: 'postgres' });
  expect(templates.filter((t) => t.label.kind === 'template').map((t) => t.label.source)).toEqual(
    expect.arrayContaining([main, authDb]),
  );

  await query("insert into app_default.items (name) values ('written by hand')");
  await query("insert into auth_default.users (email) values ('a@example.com')", authDb);
  const second = await resetAll();
  expect(second.code, second.output).toBe(0);
  expect(second.output).toMatch(
    /↺ Reset from the template taken .* ago: migrations, seeds and config unchanged since\./,
  );
  // Replaced whole on a server devup does not run: every schema in it is listed with its contents.
  expect(second.output).toMatch(
    new RegExp(
      `database ${main} \\(replaced whole by its template\\)\n {2}schema app_default \\(1 object\\)\n {4}tables: items\n`,
    ),
  );
  expect(second.output).toMatch(/app_default already up-to-date/);
  expect(await count("select count(*) as n from app_default.items where name = 'written by hand'")).toBe(0);
  expect(await count("select count(*) as n from app_default.items where name = 'seeded'")).toBe(1);
  expect(await count('select count(*) as n from auth_default.users', authDb)).toBe(0);

  // The background half: the replaced databases go, and a spare waits for the next reset.
  await tidyProjectCopies(config, admin);
  const after = await withClient(admin, (c) => listCopies(c, project), { database: 'postgres' });
  expect(after.filter((c) => c.label.kind === 'trash')).toEqual([]);
  expect(after.filter((c) => c.label.kind === 'spare').map((c) => c.label.source)).toEqual(
    expect.arrayContaining([main, authDb]),
  );
  await query("insert into app_default.items (name) values ('again')");
  const third = await resetAll();
  expect(third.output).toMatch(/Reset from the template/);
  expect(await count("select count(*) as n from app_default.items where name = 'again'")).toBe(0);
  expect(await count('select count(*) as n from app_default.items')).toBe(1);
});

it('keeping the templates makes their spares too: the reset right after is renames, with no tidy between', async () => {
  await keepTemplates(config, admin);
  const copies = await withClient(admin, (c) => listCopies(c, project), { database: 'postgres' });
  for (const source of [main, authDb]) {
    const template = copies.find((c) => c.label.kind === 'template' && c.label.source === source);
    const spare = copies.find((c) => c.label.kind === 'spare' && c.label.source === source);
    expect(template?.label.createdAt).toEqual(expect.any(String));
    expect(spare?.label.createdAt).toBe(template?.label.createdAt);
    // The shape that picks the clones' strategy rides on both labels.
    expect(template?.label.shape?.relations).toBeGreaterThan(0);
    expect(spare?.label.shape).toEqual(template?.label.shape);
  }
  const oids = async (names: string[]) => {
    const { rows } = await query('select datname, oid::text as oid from pg_database', 'postgres');
    return names.map((name) => rows.find((r) => r.datname === name)?.oid as string | undefined);
  };
  const spareNames = [main, authDb].map(
    (source) => copies.find((c) => c.label.kind === 'spare' && c.label.source === source)?.database ?? '',
  );
  const spareOids = await oids(spareNames);
  await query("insert into app_default.items (name) values ('before the reset')");
  const restored = await resetAll();
  expect(restored.output).toMatch(/Reset from the template/);
  // The live databases are the spares themselves, renamed: nothing was cloned on the reset's path.
  expect(await oids([main, authDb])).toEqual(spareOids);
  expect(await count("select count(*) as n from app_default.items where name = 'before the reset'")).toBe(0);
});

it('a new migration file makes the next reset rebuild through the migrations, and the template follows', async () => {
  ws.write('app/migrations/0002_tags.sql', 'create table tags (id serial primary key);');
  const full = await resetAll();
  expect(full.code, full.output).toBe(0);
  expect(full.output).toMatch(
    /↺ Full rebuild through the migrations: the migrations of app changed since the template\./,
  );
  expect(full.output).toMatch(/app_default applied 2/);
  expect(full.output).toMatch(/app_default seeded/);
  const again = await resetAll();
  expect(again.output).toMatch(/Reset from the template/);
  expect(
    await count("select count(*) as n from pg_tables where schemaname = 'app_default' and tablename = 'tags'"),
  ).toBe(1);
});

it('snapshot save → change → restore round-trips, and applies the migrations written since', async () => {
  await query("insert into app_default.items (name) values ('in the snapshot')");
  const saved = await run(snapshotSave, {}, ['before']);
  expect(saved.code, saved.output).toBe(0);
  expect(saved.output).toMatch(
    new RegExp(`Saved snapshot before: ${main}__devup_snap_before, ${authDb}__devup_snap_before`),
  );

  await query("delete from app_default.items where name = 'in the snapshot'");
  await query("insert into app_default.items (name) values ('after the snapshot')");
  ws.write('app/migrations/0003_notes.sql', 'create table notes (id serial primary key);');
  const listed = await run(snapshotList, {}, []);
  expect(listed.output).toMatch(
    /before +\d[\d.]* [kM]B +\d+ s ago +\d+ applied in 2 schemas +the migrations of app changed since/,
  );

  const restored = await run(snapshotRestore, { yes: true, seed: true }, ['before']);
  expect(restored.code, restored.output).toBe(0);
  expect(restored.output).toMatch(/app_default applied 1 \(0003_notes\)/);
  expect(await count("select count(*) as n from app_default.items where name = 'in the snapshot'")).toBe(1);
  expect(await count("select count(*) as n from app_default.items where name = 'after the snapshot'")).toBe(0);
  expect(
    await count("select count(*) as n from pg_tables where schemaname = 'app_default' and tablename = 'notes'"),
  ).toBe(1);
});

it('a restore while other clients hold connections (one mid-transaction) ends them and works', async () => {
  const holders: pg.Client[] = [await connect(admin), await connect(admin, { database: authDb })];
  await holders[0]?.query('begin; select count(*) from app_default.items');
  await holders[1]?.query('select 1');
  await query("insert into app_default.items (name) values ('not in the snapshot')");
  try {
    const restored = await run(snapshotRestore, { yes: true, seed: true }, ['before']);
    expect(restored.code, restored.output).toBe(0);
    expect(restored.output).toMatch(/ended 2 connections/);
    for (const holder of holders) await expect(holder.query('select 1')).rejects.toThrow();
  } finally {
    for (const holder of holders) await holder.end().catch(() => {});
  }
  expect(await count("select count(*) as n from app_default.items where name = 'not in the snapshot'")).toBe(0);
  expect(await count("select count(*) as n from app_default.items where name = 'in the snapshot'")).toBe(1);
});

it('never takes over a database of a copy name that devup did not label', async () => {
  await withClient(admin, (c) => c.query(`drop database if exists ${main}__devup_template with (force)`), {
    database: 'postgres',
  }).catch(() => {});
  // Someone else's database where the template would go: the template is not kept, theirs stays.
  const copies = await withClient(admin, (c) => listCopies(c, project), { database: 'postgres' });
  const ours = copies.find((c) => c.label.kind === 'template' && c.label.source === main);
  expect(ours).toBeDefined();
  ws.write('app/migrations/0004_more.sql', 'create table more (id int);');
  await withClient(
    admin,
    async (c) => {
      await c.query(`alter database ${main}__devup_template is_template false`);
      await c.query(`drop database ${main}__devup_template`);
      await c.query(`create database ${main}__devup_template`);
    },
    { database: 'postgres' },
  );
  const result = await resetAll();
  expect(result.code, result.output).toBe(0);
  expect(result.output).toMatch(/Could not keep a template for the next reset: cannot copy the database/);
  expect(
    await count(`select count(*) as n from pg_database where datname = '${main}__devup_template'`, 'postgres'),
  ).toBe(1);
  const next = await resetAll();
  expect(next.output).toMatch(/Full rebuild through the migrations: no template yet\./);
  // Snapshots live beside the databases a reset replaces, and say so.
  expect(next.output).toMatch(/and keeps:\n {2}snapshot before \(taken \d+ s ago\)\n/);
});
