import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { withClient } from '../../../src/database/connection/connection.js';
import type { TargetBase } from '../../../src/migrations/targets.js';
import { checkToolTarget, runToolTarget } from '../../../src/migrations/tools/tool-runner.js';
import { type countingWrapper, tableExists } from './tool-fixtures.js';
import { dbmateFixture, type ToolProject, withToolProject } from './tool-project.js';

const NAMES = ['20250101120000_create_sources', '20250108093000_create_jobs', '20250115141500_index_jobs_status'];

describe('dbmate, for real (the Go binary from npm), in a database of its own', () => {
  // Set by withToolProject before the first test.
  let { db, client, ws, config, service, targets } = {} as ToolProject;
  let dbmate: ReturnType<typeof countingWrapper>;
  const own = `${'devup_t_own_'}${Math.random().toString(36).slice(2, 10)}`;

  const check = (target: TargetBase) => checkToolTarget(config, service, target, db, client);
  const run = (target: TargetBase) => runToolTarget(config, service, target, db, { onOutput: () => {} });
  const inOwn = <T>(fn: (c: pg.Client) => Promise<T>) => withClient(db, fn, { database: own });

  withToolProject(
    (workspace) => {
      dbmate = dbmateFixture(workspace);
      return {
        project: 'tools-dbmate',
        service: 'ingest',
        database: own,
        migrations: {
          tool: 'dbmate',
          command: [dbmate.path, '--no-dump-schema', 'up'],
          tenants: ['acme', 'globex'],
          schema: 'ingest_{tenant}',
        },
      };
    },
    (project) => ({ db, client, ws, config, service, targets } = project),
  );

  afterAll(async () => {
    await client?.query(`drop database if exists ${own} with (force)`);
  });

  it('is not up to date while its database does not exist yet', async () => {
    expect(await check(targets[0] as TargetBase)).toMatchObject({ upToDate: false, pending: NAMES });
    await client.query(`create database ${own}`);
  });

  it('applies every migration to each tenant schema on the first run', async () => {
    for (const target of targets) expect(await run(target)).toEqual(NAMES);
    expect(dbmate.count()).toBe(2);
    await inOwn(async (c) => {
      for (const schema of ['ingest_acme', 'ingest_globex']) {
        expect(await tableExists(c, `${schema}.jobs`)).toBe(true);
        const { rows } = await c.query(`select version from ${schema}.schema_migrations order by version`);
        expect(rows.map((r) => r.version)).toEqual(['20250101120000', '20250108093000', '20250115141500']);
      }
      expect(await tableExists(c, 'public.schema_migrations')).toBe(false);
    });
    expect(await tableExists(client, 'ingest_acme.jobs')).toBe(false);
  });

  it('then decides that nothing is pending without starting dbmate', async () => {
    const before = dbmate.count();
    for (let i = 0; i < 5; i++) {
      for (const target of targets) expect(await check(target)).toMatchObject({ upToDate: true, pending: [] });
    }
    expect(dbmate.count()).toBe(before);
  });

  it('runs again for a new migration file, and applies only that', async () => {
    ws.write(
      'ingest/db/migrations/20250201000000_add_priority.sql',
      '-- migrate:up\nalter table jobs add column priority int not null default 0;\n\n-- migrate:down\nalter table jobs drop column priority;\n',
    );
    for (const target of targets)
      expect(await check(target)).toMatchObject({ upToDate: false, pending: ['20250201000000_add_priority'] });
    for (const target of targets) expect(await run(target)).toEqual(['20250201000000_add_priority']);
    for (const target of targets) expect((await check(target)).upToDate).toBe(true);
  });

  it('runs again when an applied file is edited (dbmate then has nothing to do)', async () => {
    ws.write(
      'ingest/db/migrations/20250115141500_index_jobs_status.sql',
      '-- migrate:up\ncreate index jobs_status on jobs (status); -- edited\n\n-- migrate:down\ndrop index jobs_status;\n',
    );
    expect(await check(targets[0] as TargetBase)).toMatchObject({
      upToDate: false,
      pending: ['(migration files changed)'],
    });
    const before = dbmate.count();
    expect(await run(targets[0] as TargetBase)).toEqual([]);
    expect(dbmate.count()).toBe(before + 1);
    // Nothing left for dbmate to do, but the edit is still not in the database: it stays named.
    expect(await check(targets[0] as TargetBase)).toMatchObject({
      upToDate: true,
      edited: ['20250115141500_index_jobs_status'],
    });
  });

  it('runs again when a version row is deleted', async () => {
    await inOwn((c) => c.query(`delete from ingest_globex.schema_migrations where version = '20250201000000'`));
    expect(await check(targets[1] as TargetBase)).toEqual({
      upToDate: false,
      pending: ['20250201000000_add_priority'],
      // globex has not run since the edit above: its applied file still differs from what ran.
      edited: ['20250115141500_index_jobs_status'],
    });
  });
});
