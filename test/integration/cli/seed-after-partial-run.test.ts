import { chmodSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { prepareDatabase } from '../../../src/app/dev/prepare-database.js';
import down from '../../../src/cli/down.js';
import migrate from '../../../src/cli/migrate.js';
import { type ConnectionInfo, connectionUrl, withClient } from '../../../src/database/connection/connection.js';
import { commandContext } from '../../helpers/command-context.js';
import { freePort } from '../../helpers/ports.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { withTestDatabase } from '../helpers/database.js';

let db: ConnectionInfo;
let ws: Workspace;
withTestDatabase((created) => {
  db = created;
});
afterEach(() => ws?.cleanup());

it('a new target is seeded even when its first run stopped after some migrations committed', async () => {
  ws = createWorkspace({
    'm/0001_accounts.sql': 'create table accounts (name text);',
    'm/0002_broken.sql': 'create table broken (id int); select no_such_column;',
    'seeds/accounts.sql': "insert into accounts values ('demo');",
  });
  const config = ws.config({
    database: { engine: 'external', url: connectionUrl(db) },
    services: { api: { migrations: { dir: 'm', schema: 'seedy' }, seed: 'seeds/*.sql' } },
  });
  const ctx = commandContext(config);
  await expect(prepareDatabase(ctx, config, {})).rejects.toThrow(/migrations failed for seedy/);
  ws.write('m/0002_broken.sql', 'create table broken (id int);');
  await prepareDatabase(ctx, config, {});
  const names = async () =>
    (await withClient(db, (c) => c.query<{ name: string }>('select name from seedy.accounts'))).rows.map((r) => r.name);
  expect(await names()).toEqual(['demo']);

  // From then on the target holds the developer's data: a seed file added later is not applied.
  ws.write('seeds/more.sql', "insert into accounts values ('late');");
  ws.write('m/0003_more.sql', 'create table more (id int);');
  await prepareDatabase(ctx, config, {});
  expect(await names()).toEqual(['demo']);
});

it('seeds owed to the targets a `devup migrate` created with the cluster are applied by the `devup dev` after it', async () => {
  ws = createWorkspace({
    'm/0001_accounts.sql': 'create table accounts (name text);',
    'seeds/accounts.sql': "insert into accounts values ('demo');",
  });
  // As root, the embedded server runs as "postgres", which must reach the data directory.
  chmodSync(ws.dir, 0o755);
  const config = ws.config({
    project: 'harden-copies-seeds',
    database: { engine: 'embedded', port: await freePort(52200) },
    services: { api: { migrations: { dir: 'm', schema: 'migrated_first' }, seed: 'seeds/*.sql' } },
  });
  const ctx = (lines: string[]) => commandContext(config, lines, 'embedded');
  try {
    const lines: string[] = [];
    expect(await migrate(ctx(lines), {})).toBe(0);
    expect(lines.join('')).toMatch(/Postgres ready: .*\(created/);
    expect(lines.join('')).toContain(
      'Seed data is owed to migrated_first: `devup migrate` applies none; the next `devup dev` (or `devup reset`) applies it.',
    );
    const dev: string[] = [];
    const { db: running } = await prepareDatabase(ctx(dev), config, {});
    expect(dev.join('')).toMatch(/api \(migrated_first\) seeded \(accounts\.sql\)/);
    const names = async () =>
      (
        await withClient(running.connection, (c) =>
          c.query<{ name: string }>('select name from migrated_first.accounts'),
        )
      ).rows.map((r) => r.name);
    expect(await names()).toEqual(['demo']);
    await prepareDatabase(ctx([]), config, {});
    expect(await names()).toEqual(['demo']);
  } finally {
    await down(ctx([]), { volumes: true, yes: true });
  }
});
