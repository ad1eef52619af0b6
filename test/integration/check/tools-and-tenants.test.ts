import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCheck } from '../../../src/check/run-check.js';
import { isCI } from '../../../src/ui/output.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { alembicAvailable, copyFixture, SYSTEM_PYTHON } from '../tools/tool-fixtures.js';
import { result } from './check-result.js';

let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

const revision = (id: string, down: string) => `revision = "${id}"
down_revision = "${down}"
branch_labels = None
depends_on = None

from alembic import op


def upgrade() -> None:
    op.execute("create table t_${id} (id bigint)")


def downgrade() -> None:
    op.execute("drop table t_${id}")
`;

describe.skipIf(!alembicAvailable() && !isCI())('alembic', () => {
  function alembicConfig(workspace: Workspace) {
    return workspace.config({
      project: 'check-alembic',
      services: {
        billing: {
          cwd: 'billing',
          migrations: {
            tool: 'alembic',
            command: [SYSTEM_PYTHON, '-m', 'alembic', 'upgrade', 'head'],
            tenants: ['acme', 'globex'],
            schema: 'billing_{tenant}',
          },
        },
      },
    });
  }

  it('applies the revisions from zero for every tenant', async () => {
    ws = createWorkspace();
    copyFixture('alembic', path.join(ws.dir, 'billing'));
    const report = await runCheck(alembicConfig(ws), { engine: 'embedded' });
    expect(result(report, 'billing', 'conflicts')).toMatchObject({ status: 'pass', note: '3 revisions' });
    expect(result(report, 'billing', 'apply')).toMatchObject({ status: 'pass', note: '2 tenants, 3 migrations each' });
    expect(result(report, 'billing', 'reversibility')).toMatchObject({
      status: 'pass',
      note: '3 revisions, downgrade to base and upgrade again in billing_acme',
    });
    expect(report.ok).toBe(true);
  });

  it('reversibility: a downgrade that leaves its table behind is found at base, and its upgrade fails next', async () => {
    ws = createWorkspace();
    copyFixture('alembic', path.join(ws.dir, 'billing'));
    ws.write(
      'billing/alembic/versions/0004_notes.py',
      revision('0004', '0003').replace('op.execute("drop table t_0004")', 'pass'),
    );
    const report = await runCheck(alembicConfig(ws), { engine: 'embedded' });
    const reversibility = result(report, 'billing', 'reversibility');
    expect(reversibility.status).toBe('fail');
    expect(reversibility.findings[0]?.message).toBe(
      'column t_0004.id still exists after downgrading to base (and 1 more): a downgrade misses it',
    );
    // Its upgrade then fails (the table is still there), and the apply says where it stopped.
    expect(reversibility.findings[1]?.message).toMatch(/^0004: upgrade failed after its downgrade: alembic failed/);
    expect(result(report, 'billing', 'apply').findings.map((f) => f.message)).toEqual([
      'billing_acme: stopped at 0004, which could not be upgraded again (see reversibility)',
    ]);
    expect(reversibility.findings[0]?.details).toEqual([
      '  column t_0004.id still exists after downgrading to base',
      '  table t_0004 still exists after downgrading to base',
    ]);
    // The second upgrade of 0004 names the revision: its table is still there.
    expect(reversibility.findings[1]?.file).toBe(path.join(ws.dir, 'billing/alembic/versions/0004_notes.py'));
    expect(reversibility.findings[1]?.details?.join('\n')).toMatch(/t_0004" already exists/);
    // The way out is check's own, not `devup migrate again`.
    expect(reversibility.findings[1]?.details?.join('\n')).toMatch(/Fix the cause, then run devup check again\./);
    expect(reversibility.findings[1]?.details?.join('\n')).not.toMatch(/devup migrate/);
  });

  it('reversibility in public ignores what devup set up there: database.extensions and database.init', async () => {
    ws = createWorkspace({ 'db/init.sql': 'create table public.countries (code text primary key);\n' });
    copyFixture('alembic', path.join(ws.dir, 'ingestion'));
    const config = ws.config({
      project: 'check-alembic-public',
      database: { extensions: ['uuid-ossp'], init: 'db/init.sql' },
      services: {
        ingestion: {
          cwd: 'ingestion',
          migrations: {
            tool: 'alembic',
            command: [SYSTEM_PYTHON, '-m', 'alembic', 'upgrade', 'head'],
            schema: 'public',
          },
        },
      },
    });
    const report = await runCheck(config, { engine: 'embedded' });
    expect(result(report, 'ingestion', 'reversibility')).toMatchObject({
      status: 'pass',
      note: '3 revisions, downgrade to base and upgrade again in public',
      findings: [],
    });
  });

  it("an upgrade failing in check's apply hints to run check again", async () => {
    ws = createWorkspace();
    copyFixture('alembic', path.join(ws.dir, 'billing'));
    ws.write(
      'billing/alembic/versions/0004_broken.py',
      revision('0004', '0003').replace('create table t_0004 (id bigint)', 'create tabel t_0004'),
    );
    const report = await runCheck(alembicConfig(ws), { engine: 'embedded' });
    const apply = result(report, 'billing', 'apply');
    expect(apply.status).toBe('fail');
    const text = apply.findings.map((f) => [f.message, ...(f.details ?? [])].join('\n')).join('\n');
    expect(text).toMatch(/Fix the cause, then run devup check again\./);
    expect(text).not.toMatch(/devup migrate/);
  });

  it('two revisions on one parent are named, both of them, with the way out', async () => {
    ws = createWorkspace();
    copyFixture('alembic', path.join(ws.dir, 'billing'));
    ws.write('billing/alembic/versions/0004_refunds.py', revision('0004a', '0003'));
    ws.write('billing/alembic/versions/0004_notes.py', revision('0004b', '0003'));
    const report = await runCheck(alembicConfig(ws), { engine: 'embedded' });
    const conflicts = result(report, 'billing', 'conflicts');
    expect(conflicts.status).toBe('fail');
    expect(conflicts.findings[0]?.message).toMatch(
      /^revisions 0004b \(0004_notes\.py\) and 0004a \(0004_refunds\.py\) both revise 0003, and no merge revision joins them$/,
    );
    expect(conflicts.findings[0]?.details?.join('\n')).toMatch(/alembic merge heads/);
    expect(conflicts.findings[0]?.file).toBe(path.join(ws.dir, 'billing/alembic/versions/0004_notes.py'));
    expect(report.ok).toBe(false);
  });
});

describe('tenants', () => {
  const files = {
    'orders/migrations/0001_orders.sql': 'create table orders (id bigint primary key);\n',
  };

  it('a service whose tenants come from a query is checked with one sample tenant', async () => {
    ws = createWorkspace(files);
    const config = ws.config({
      project: 'check-tenants',
      services: {
        orders: { cwd: 'orders', migrations: { dir: 'migrations', tenants: { query: 'select name from tenants' } } },
      },
    });
    const report = await runCheck(config, { engine: 'embedded' });
    expect(result(report, 'orders', 'apply')).toMatchObject({ status: 'pass', note: '1 tenant, 1 migration' });
  });

  it('check.tenants names the tenants to check with', async () => {
    ws = createWorkspace(files);
    const config = ws.config({
      project: 'check-tenants',
      check: { tenants: ['t1', 't2', 't3'] },
      services: {
        orders: { cwd: 'orders', migrations: { dir: 'migrations', tenants: { command: 'exit 1' } } },
      },
    });
    const report = await runCheck(config, { engine: 'embedded' });
    expect(result(report, 'orders', 'apply')).toMatchObject({ status: 'pass', note: '3 tenants, 1 migration each' });
  });
});
