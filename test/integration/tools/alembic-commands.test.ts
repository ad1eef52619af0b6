import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/errors.js';
import { runMigrationStep, type StepEvent } from '../../../src/migrations/step/migration-step.js';
import type { TargetBase } from '../../../src/migrations/targets.js';
import { dryRunToolTarget } from '../../../src/migrations/tools/tool-dry-run.js';
import { createToolMigration } from '../../../src/migrations/tools/tool-new-migration.js';
import { planToolRollbacks, runToolRollback } from '../../../src/migrations/tools/tool-rollback.js';
import { runToolTarget } from '../../../src/migrations/tools/tool-runner.js';
import { toolTargetStatuses } from '../../../src/migrations/tools/tool-status.js';
import { isCI } from '../../../src/ui/output.js';
import { alembicAvailable, type countingWrapper, tableExists } from './tool-fixtures.js';
import { alembicFixture, type ToolProject, withToolProject } from './tool-project.js';

const available = alembicAvailable() || isCI();

const REVISION_0004 = `from alembic import op

revision = '0004'
down_revision = '0003'


def upgrade():
    op.execute('alter table accounts add column note text')


def downgrade():
    op.execute('alter table accounts drop column note')
`;

describe.skipIf(!available)('status, down, dry-run and new migration for Alembic, for real', () => {
  // Set by withToolProject before the first test.
  let { db, client, ws, config, service, targets } = {} as ToolProject;
  let alembic: ReturnType<typeof countingWrapper>;
  const output: string[] = [];
  const onOutput = (line: string) => output.push(line);

  const selected = () => targets.map((target) => ({ service, target }));
  const statuses = async () => [...(await toolTargetStatuses(config.stateDir, db, selected())).values()];
  const version = async (schema: string) =>
    (await client.query(`select version_num from ${schema}.alembic_version order by 1`)).rows.map(
      (r) => r.version_num as string,
    );
  const rollBack = async (request: { steps: number; to: string | undefined }) => {
    const plans = await planToolRollbacks(config, db, selected(), request);
    for (const plan of plans) if (plan.runs.length > 0) await runToolRollback(config, db, plan, { onOutput });
    return plans.map((p) => ({ schema: p.target.schema, rolledBack: p.rolledBack, runs: p.runs }));
  };

  withToolProject(
    (workspace) => {
      // `program` alone: devup adds `upgrade head`, `downgrade <rev>`, `revision -m <name>`.
      alembic = alembicFixture(workspace, 'bin');
      return {
        project: 'tools-alembic-commands',
        service: 'billing',
        migrations: {
          tool: 'alembic',
          program: [alembic.path],
          tenants: ['acme', 'globex'],
          schema: 'billing_{tenant}',
        },
      };
    },
    (project) => ({ db, client, ws, config, service, targets } = project),
  );

  it('status: every revision pending before the first run, without starting Python', async () => {
    const [acme] = await statuses();
    expect(acme).toMatchObject({ tool: 'alembic', current: [], applied: [], problem: undefined });
    expect(acme?.pending).toEqual([
      { version: '0001', name: '0001_create_accounts' },
      { version: '0002', name: '0002_create_invoices' },
      { version: '0003', name: '0003_index_invoices' },
    ]);
    expect(alembic.count()).toBe(0);
  });

  it('status: the current revision and the new revision pending, still without Python', async () => {
    for (const target of targets) await runToolTarget(config, service, target, db, { onOutput });
    ws.write('billing/alembic/versions/0004_account_note.py', REVISION_0004);
    const before = alembic.count();
    for (const status of await statuses()) {
      expect(status.current).toEqual(['0003']);
      expect(status.applied.map((a) => a.version)).toEqual(['0001', '0002', '0003']);
      expect(status.pending).toEqual([{ version: '0004', name: '0004_account_note' }]);
    }
    expect(alembic.count()).toBe(before);
  });

  it('dry-run: prints what alembic upgrade --sql <current>:head prints, and changes nothing', async () => {
    const lines: string[] = [];
    const pending: string[][] = [];
    await dryRunToolTarget(config, service, targets[0] as TargetBase, db, client, {
      line: (text = '') => lines.push(text),
      debug: () => {},
      pending: (ids) => pending.push(ids),
    });
    const text = lines.join('\n');
    expect(pending).toEqual([['0004']]);
    expect(text).toContain('-- billing_acme: alembic upgrade --sql 0003:head (pending: 0004)');
    expect(text).toMatch(/SET search_path TO "billing_acme", public/);
    expect(text).toMatch(/alter table accounts add column note text/);
    expect(text).toMatch(/UPDATE billing_acme\.alembic_version SET version_num='0004' WHERE .*version_num = '0003'/);
    expect(text).not.toMatch(/INFO|\[alembic/);
    expect(await version('billing_acme')).toEqual(['0003']);
    expect(await tableExists(client, 'billing_acme.accounts')).toBe(true);
  });

  it('down --steps: lists what each tenant undoes, then runs alembic downgrade for each', async () => {
    for (const target of targets) await runToolTarget(config, service, target, db, { onOutput });
    expect(await rollBack({ steps: 2, to: undefined })).toEqual([
      { schema: 'billing_acme', rolledBack: ['0004', '0003'], runs: [['downgrade', '0002']] },
      { schema: 'billing_globex', rolledBack: ['0004', '0003'], runs: [['downgrade', '0002']] },
    ]);
    for (const schema of ['billing_acme', 'billing_globex']) {
      expect(await version(schema)).toEqual(['0002']);
      const { rows } = await client.query(
        `select count(*)::int as n from pg_indexes where schemaname = $1 and indexname = 'invoices_account_id'`,
        [schema],
      );
      expect(rows[0].n).toBe(0);
    }
    const [acme] = await statuses();
    expect(acme?.pending?.map((p) => p.version)).toEqual(['0003', '0004']);
  });

  it('down --to base undoes everything; a tenant with nothing applied has nothing to undo', async () => {
    const plans = await rollBack({ steps: 1, to: 'base' });
    expect(plans[0]).toEqual({ schema: 'billing_acme', rolledBack: ['0002', '0001'], runs: [['downgrade', 'base']] });
    expect(await tableExists(client, 'billing_acme.accounts')).toBe(false);
    expect(await version('billing_acme')).toEqual([]);
    expect((await rollBack({ steps: 1, to: undefined })).map((p) => p.rolledBack)).toEqual([[], []]);
  });

  it('a revision file missing after a branch switch: status and down name it', async () => {
    for (const target of targets) await runToolTarget(config, service, target, db, { onOutput });
    ws.remove('billing/alembic/versions/0004_account_note.py');
    const [acme] = await statuses();
    expect(acme?.problem).toBe('alembic_version names revisions with no file: 0004');
    expect(acme?.pending).toBeUndefined();
    expect(acme?.applied).toEqual([{ version: '0004', name: '0004 (no file)' }]);
    await expect(planToolRollbacks(config, db, selected(), { steps: 1, to: undefined })).rejects.toThrow(
      /billing_acme\.alembic_version names 0004, which no revision file defines/,
    );
    ws.write('billing/alembic/versions/0004_account_note.py', REVISION_0004);
  });

  it('a downgrade that fails: the command, cwd, tenant and alembic output; the other tenant untouched', async () => {
    const plans = await planToolRollbacks(config, db, selected(), { steps: 1, to: undefined });
    ws.write(
      'billing/alembic/versions/0004_account_note.py',
      REVISION_0004.replace("op.execute('alter table accounts drop column note')", "op.execute('drop table nope')"),
    );
    const error = await runToolRollback(config, db, plans[0]!, { onOutput }).then(
      () => undefined,
      (e: unknown) => e as UserError,
    );
    expect(error).toBeInstanceOf(UserError);
    expect(error?.message).toBe('alembic failed for billing (tenant acme, schema billing_acme): exited with code 1');
    expect(error?.details[0]).toBe(`$ ${alembic.path} downgrade 0003    (in ${path.join(ws.dir, 'billing')})`);
    expect(error?.details.join('\n')).toMatch(/table "nope" does not exist/);
    expect(error?.hint).toContain('devup migrate down again (--service billing --tenant acme)');
    expect(await version('billing_acme')).toEqual(['0004']);
    expect(await version('billing_globex')).toEqual(['0004']);
    ws.write('billing/alembic/versions/0004_account_note.py', REVISION_0004);
  });

  it('several heads: status says which, with the way out', async () => {
    ws.write('billing/alembic/versions/0005_a.py', "revision = '0005a'\ndown_revision = '0004'\n");
    ws.write('billing/alembic/versions/0005_b.py', "revision = '0005b'\ndown_revision = '0004'\n");
    const [acme] = await statuses();
    expect(acme?.problem).toBe('several heads: 0005a, 0005b (join them with `alembic merge heads`)');
    expect(acme?.pending?.map((p) => p.version)).toEqual(['0005a', '0005b']);

    // migrate --strict refuses before starting alembic; without --strict, a warning, then alembic's own error.
    const before = alembic.count();
    const strict = await runMigrationStep(config, db, { strict: true });
    expect(strict.outcomes.map((o) => o.status)).toEqual(['failed', 'failed']);
    expect((strict.failure as UserError).message).toBe(
      'billing: several heads: 0005a, 0005b (join them with `alembic merge heads`)',
    );
    expect(alembic.count()).toBe(before);
    const events: StepEvent[] = [];
    await runMigrationStep(config, db, { onEvent: (e) => events.push(e) });
    expect(events.filter((e) => e.type === 'warning').map((e) => (e as { message: string }).message)).toContain(
      'several heads: 0005a, 0005b (join them with `alembic merge heads`)',
    );
    ws.remove('billing/alembic/versions/0005_a.py');
    ws.remove('billing/alembic/versions/0005_b.py');
  });

  it('new migration: alembic revision -m in the service, and the revision is pending at once', async () => {
    const files = await createToolMigration(config, service, 'add_invoice_note', onOutput);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/billing\/alembic\/versions\/[0-9a-f]+_add_invoice_note\.py$/);
    const [acme] = await statuses();
    expect(acme?.pending).toHaveLength(1);
    expect(acme?.pending?.[0]?.name).toMatch(/_add_invoice_note$/);
    expect(acme?.problem).toBeUndefined();
  });
});
