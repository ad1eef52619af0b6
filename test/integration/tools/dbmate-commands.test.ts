import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TargetBase } from '../../../src/migrations/targets.js';
import { dryRunToolTarget } from '../../../src/migrations/tools/tool-dry-run.js';
import { createToolMigration } from '../../../src/migrations/tools/tool-new-migration.js';
import { planToolRollbacks, runToolRollback } from '../../../src/migrations/tools/tool-rollback.js';
import { runToolTarget } from '../../../src/migrations/tools/tool-runner.js';
import { toolTargetStatuses } from '../../../src/migrations/tools/tool-status.js';
import { type countingWrapper, tableExists } from './tool-fixtures.js';
import { dbmateFixture, type ToolProject, withToolProject } from './tool-project.js';

describe('status, rollback and new migration for dbmate, for real', () => {
  // Set by withToolProject before the first test.
  let { db, client, ws, config, service, targets } = {} as ToolProject;
  let dbmate: ReturnType<typeof countingWrapper>;

  const selected = () => targets.map((target) => ({ service, target }));
  const statuses = async () => [...(await toolTargetStatuses(config.stateDir, db, selected())).values()];

  withToolProject(
    (workspace) => {
      dbmate = dbmateFixture(workspace);
      return {
        project: 'tools-dbmate-commands',
        service: 'ingest',
        // The program for rollback and new is this command without its `up`.
        migrations: {
          tool: 'dbmate',
          command: [dbmate.path, '--no-dump-schema', 'up'],
          tenants: ['acme', 'globex'],
        },
      };
    },
    async (project) => {
      ({ db, client, ws, config, service, targets } = project);
      for (const target of targets) await runToolTarget(config, service, target, db, { onOutput: () => {} });
    },
  );

  it('status: applied from schema_migrations, pending from the files, without starting dbmate', async () => {
    ws.write(
      'ingest/db/migrations/20250201000000_add_note.sql',
      '-- migrate:up\nalter table sources add column note text;\n\n-- migrate:down\nalter table sources drop column note;\n',
    );
    const before = dbmate.count();
    const [acme] = await statuses();
    expect(acme).toMatchObject({ tool: 'dbmate', current: ['20250115141500_index_jobs_status'], problem: undefined });
    expect(acme?.applied).toHaveLength(3);
    expect(acme?.pending).toEqual([{ version: '20250201000000_add_note', name: '20250201000000_add_note' }]);
    expect(dbmate.count()).toBe(before);
  });

  it('rollback: dbmate rollback once per migration, newest first, per tenant', async () => {
    const plans = await planToolRollbacks(config, db, selected(), { steps: 2, to: undefined });
    expect(plans.map((p) => [p.target.schema, p.rolledBack, p.runs])).toEqual([
      ['ingest_acme', ['20250115141500_index_jobs_status', '20250108093000_create_jobs'], [['rollback'], ['rollback']]],
      [
        'ingest_globex',
        ['20250115141500_index_jobs_status', '20250108093000_create_jobs'],
        [['rollback'], ['rollback']],
      ],
    ]);
    await runToolRollback(config, db, plans[0]!, { onOutput: () => {} });
    expect(await tableExists(client, 'ingest_acme.jobs')).toBe(false);
    expect(await tableExists(client, 'ingest_acme.sources')).toBe(true);
    expect(await tableExists(client, 'ingest_globex.jobs')).toBe(true);
    // --to names a migration by its version.
    const to = await planToolRollbacks(config, db, selected(), { steps: 1, to: '20250101120000' });
    expect(to.map((p) => p.rolledBack.length)).toEqual([0, 2]);
  });

  it('new migration: dbmate new writes the file where devup reads migrations', async () => {
    const files = await createToolMigration(config, service, 'add_owner', () => {});
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/ingest\/db\/migrations\/\d{14}_add_owner\.sql$/);
    expect(readFileSync(files[0] as string, 'utf8')).toContain('-- migrate:up');
  });

  it('dry-run: the up section of each pending file, as dbmate runs it; nothing applied', async () => {
    const lines: string[] = [];
    await dryRunToolTarget(config, service, targets[0] as TargetBase, db, client, {
      line: (text = '') => lines.push(text),
      debug: () => {},
      pending: () => {},
    });
    const text = lines.join('\n');
    expect(text).toContain('-- ingest_acme: 20250108093000_create_jobs (dbmate runs it as written)');
    expect(text).toContain('set search_path to "ingest_acme", public;');
    expect(text).toMatch(/create table jobs/i);
    expect(text).not.toContain('migrate:down');
    expect(await tableExists(client, 'ingest_acme.jobs')).toBe(false);
  });
});
