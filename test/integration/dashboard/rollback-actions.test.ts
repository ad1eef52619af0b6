import { describe, expect, it } from 'vitest';
import { rollBackOne, rollbackPlan } from '../../../src/dashboard/rollback-actions.js';
import { runToolTarget } from '../../../src/migrations/tools/tool-runner.js';
import { type countingWrapper, tableExists } from '../tools/tool-fixtures.js';
import { dbmateFixture, type ToolProject, withToolProject } from '../tools/tool-project.js';

describe("the dashboard's roll back of one tenant, for a tool (dbmate), for real", () => {
  let { db, client, config, service, targets } = {} as ToolProject;
  let dbmate: ReturnType<typeof countingWrapper>;

  withToolProject(
    (workspace) => {
      dbmate = dbmateFixture(workspace);
      return {
        project: 'dashboard-rollback',
        service: 'ingest',
        migrations: { tool: 'dbmate', command: [dbmate.path, '--no-dump-schema', 'up'], tenants: ['acme', 'globex'] },
      };
    },
    async (project) => {
      ({ db, client, config, service, targets } = project);
      for (const target of targets) await runToolTarget(config, service, target, db, { onOutput: () => {} });
    },
  );

  it("names the tenant's newest migration and the tool's command, and starts no tool to say so", async () => {
    const before = dbmate.count();
    const steps = await rollbackPlan(config, db, { service: 'ingest', tenant: 'acme', mode: 'down' });
    expect(steps).toEqual([
      {
        schema: 'ingest_acme',
        label: 'ingest_acme',
        migration: '20250115141500_index_jobs_status',
        file: null,
        sql: null,
        command: 'dbmate rollback',
      },
    ]);
    expect(dbmate.count()).toBe(before);
  });

  it('runs nothing when the newest applied migration is not the one confirmed', async () => {
    const before = dbmate.count();
    const error = await rollBackOne(config, db, {
      service: 'ingest',
      tenant: 'acme',
      mode: 'down',
      expected: '20250108093000_create_jobs',
    }).catch((e: Error) => e);
    expect((error as Error).message).toBe(
      'the newest applied migration of ingest (acme) is now 20250115141500_index_jobs_status, not 20250108093000_create_jobs: nothing was rolled back',
    );
    expect(dbmate.count()).toBe(before);
  });

  it('rolls back that one migration in that tenant only', async () => {
    const done = await rollBackOne(config, db, {
      service: 'ingest',
      tenant: 'acme',
      mode: 'down',
      expected: '20250115141500_index_jobs_status',
    });
    expect(done).toEqual(['20250115141500_index_jobs_status']);
    const indexes = await client.query(
      "select schemaname from pg_indexes where indexname like '%status%' and schemaname like 'ingest_%' order by 1",
    );
    expect(indexes.rows.map((r) => r.schemaname)).toEqual(['ingest_globex']);
    expect(await tableExists(client, 'ingest_acme.jobs')).toBe(true);
    const next = await rollbackPlan(config, db, { service: 'ingest', tenant: 'acme', mode: 'down' });
    expect(next.map((s) => s.migration)).toEqual(['20250108093000_create_jobs']);
  });
});
