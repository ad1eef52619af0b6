import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../../src/config/types.js';
import { type ConnectionInfo, connect } from '../../../src/database/connection/connection.js';
import { createToolMigration } from '../../../src/migrations/tools/tool-new-migration.js';
import { planToolRollbacks } from '../../../src/migrations/tools/tool-rollback.js';
import { toolTargetStatuses } from '../../../src/migrations/tools/tool-status.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { createTestDatabase } from '../helpers/database.js';
import { targetsOf } from './tool-fixtures.js';

// Flyway, Liquibase, Prisma and node-pg-migrate do not run here: their history tables are written
// as the tools write them, and devup reads them (status) and plans from them (down) on real Postgres.
describe('status and down read the history tables of tools devup does not run here', () => {
  let db: ConnectionInfo & { drop(): Promise<void> };
  let client: pg.Client;
  let ws: Workspace;
  let config: ResolvedConfig;

  const statusOf = async (name: string) => {
    const { service, targets } = await targetsOf(config, client, name);
    const statuses = await toolTargetStatuses(config.stateDir, db, [{ service, target: targets[0]! }]);
    return [...statuses.values()][0]!;
  };
  const selected = async (name: string) => {
    const { service, targets } = await targetsOf(config, client, name);
    return targets.map((target) => ({ service, target }));
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    client = await connect(db);
    ws = createWorkspace({
      'prisma/prisma/migrations/20250101000000_init/migration.sql': 'create table a (id int);',
      'prisma/prisma/migrations/20250102000000_b/migration.sql': 'create table b (id int);',
      'flyway/sql/V1__init.sql': 'create table a (id int);',
      'flyway/sql/V2__b.sql': 'create table b (id int);',
      'liquibase/changelog.xml': '<databaseChangeLog/>',
      'npm/migrations/1700000000000_init.js': 'exports.up = () => {};',
      'npm/migrations/1700000000001_b.js': 'exports.up = () => {};',
      'npm/migrations/1700000000002_c.js': 'exports.up = () => {};',
      'cmd/migrate.sh': 'true',
      'al/alembic/versions/0001_a.py': "revision = '0001'\ndown_revision = None\n",
    });
    config = ws.config({
      project: 'tools-history',
      services: {
        prisma: { cwd: 'prisma', migrations: { tool: 'prisma', schema: 'prisma_{tenant}' } },
        flyway: { cwd: 'flyway', migrations: { tool: 'flyway', schema: 'flyway_{tenant}' } },
        liquibase: { cwd: 'liquibase', migrations: { tool: 'liquibase', schema: 'lb_{tenant}' } },
        npm: { cwd: 'npm', migrations: { tool: 'node-pg-migrate', schema: 'npm_{tenant}' } },
        cmd: { cwd: 'cmd', migrations: { tool: 'command', command: 'sh migrate.sh', schema: 'cmd_{tenant}' } },
        al: { cwd: 'al', migrations: { tool: 'alembic', command: ['./migrate.sh'], schema: 'al_{tenant}' } },
      },
    });
    await client.query(`
      create schema prisma_default;
      create table prisma_default._prisma_migrations (id text primary key, migration_name text not null,
        finished_at timestamptz, rolled_back_at timestamptz);
      insert into prisma_default._prisma_migrations values ('1', '20250101000000_init', now(), null);
      create schema flyway_default;
      create table flyway_default.flyway_schema_history (installed_rank int primary key, version text,
        type text not null, success boolean not null);
      insert into flyway_default.flyway_schema_history values (1, '1', 'SQL', true);
      create schema lb_default;
      create table lb_default.databasechangelog (id text, author text, filename text, md5sum text,
        orderexecuted int);
      insert into lb_default.databasechangelog values ('1', 'ana', 'changelog.xml', 'x', 1);
      create schema npm_default;
      create table npm_default.pgmigrations (id serial primary key, name text not null, run_on timestamp not null);
      insert into npm_default.pgmigrations (name, run_on) values
        ('1700000000000_init', now()), ('1700000000001_b', now() + interval '1 second');
    `);
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
    ws?.cleanup();
  });

  it('Prisma and Flyway: applied from the history table, pending from the files', async () => {
    expect(await statusOf('prisma')).toMatchObject({
      current: ['20250101000000_init'],
      pending: [{ version: '20250102000000_b', name: '20250102000000_b' }],
      problem: undefined,
      unknown: undefined,
    });
    expect(await statusOf('flyway')).toMatchObject({
      current: ['V1__init'],
      pending: [{ version: 'V2__b', name: 'V2__b' }],
      problem: undefined,
    });
  });

  it('Liquibase and a plain command: what is known, and that pending is not', async () => {
    const lb = await statusOf('liquibase');
    expect(lb.applied).toEqual([{ version: '1', name: 'changelog.xml::1::ana' }]);
    expect(lb.pending).toBeUndefined();
    expect(lb.unknown).toBe('only liquibase reads its changelogs: run `liquibase status` for what is pending');
    const cmd = await statusOf('cmd');
    expect(cmd.pending).toBeUndefined();
    expect(cmd.unknown).toMatch(/migrations\.command, which keeps no history/);
  });

  it('node-pg-migrate: down N with the schema and directory its up got', async () => {
    const [plan] = await planToolRollbacks(config, db, await selected('npm'), { steps: 5, to: undefined });
    expect(plan?.rolledBack).toEqual(['1700000000001_b', '1700000000000_init']);
    expect(plan?.runs).toEqual([['down', '2', '--schema', 'npm_default', '-m', `${ws.dir}/npm/migrations`]]);
    const [to] = await planToolRollbacks(config, db, await selected('npm'), { steps: 1, to: '1700000000000_init' });
    expect(to?.runs).toEqual([['down', '1', '--schema', 'npm_default', '-m', `${ws.dir}/npm/migrations`]]);
  });

  it('tools without a down step or a create command say so, and how to do it instead', async () => {
    for (const [name, hint] of [
      ['flyway', /Flyway's undo needs Flyway Teams/],
      ['prisma', /Prisma Migrate has no down migrations/],
      ['liquibase', /liquibase rollback-count/],
      ['cmd', /migrations\.command has no down step/],
    ] as const) {
      const error = await planToolRollbacks(config, db, await selected(name), { steps: 1, to: undefined }).then(
        () => undefined,
        (e: unknown) => e as { message: string; hint: string },
      );
      expect(error?.message).toMatch(/^devup migrate down cannot roll back /);
      expect(error?.hint).toMatch(hint);
    }
    const { service } = await targetsOf(config, client, 'flyway');
    await expect(createToolMigration(config, service, 'x', () => {})).rejects.toThrow(
      'devup new migration cannot create flyway migrations (services.flyway)',
    );
  });

  it('a command devup cannot take apart: down and new migration name migrations.program before running anything', async () => {
    const expected =
      /services\.al\.migrations\.command \(\.\/migrate\.sh\) does not end with "upgrade head" or "upgrade heads"/;
    await expect(planToolRollbacks(config, db, await selected('al'), { steps: 1, to: 'base' })).rejects.toThrow(
      expected,
    );
    const { service } = await targetsOf(config, client, 'al');
    const error = await createToolMigration(config, service, 'x', () => {}).then(
      () => undefined,
      (e: unknown) => e as { message: string; hint: string },
    );
    expect(error?.message).toMatch(expected);
    expect(error?.hint).toContain('Set services.al.migrations.program');
  });
});
