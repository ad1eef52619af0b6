import { describe, expect, it } from 'vitest';
import { inspectTargets } from '../../../src/migrations/inspect.js';
import { resolveTag } from '../../../src/migrations/tags/tag-rollback.js';
import { tagTargets } from '../../../src/migrations/tags/tag-targets.js';
import { planToolRollbacks, runToolRollback } from '../../../src/migrations/tools/tool-rollback.js';
import { runToolTarget } from '../../../src/migrations/tools/tool-runner.js';
import { isCI } from '../../../src/ui/output.js';
import { alembicAvailable } from './tool-fixtures.js';
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

describe.skipIf(!available)('tags on Alembic targets: the head revision, and alembic downgrade back to it', () => {
  let { db, client, ws, config, service, targets } = {} as ToolProject;
  const onOutput = () => {};
  withToolProject(
    (workspace) => {
      const alembic = alembicFixture(workspace, 'bin');
      return {
        project: 'tools-alembic-tags',
        service: 'billing',
        migrations: { tool: 'alembic', program: [alembic.path], tenants: ['acme'], schema: 'billing_{tenant}' },
      };
    },
    (project) => ({ db, client, ws, config, service, targets } = project),
  );
  const version = async () =>
    (await client.query('select version_num from billing_acme.alembic_version')).rows.map((r) => r.version_num);

  it('tags the current revision, then rolls a later revision back with alembic downgrade <rev>', async () => {
    for (const target of targets) await runToolTarget(config, service, target, db, { onOutput });
    const inspected = await inspectTargets(config, db, {});
    const tagged = await tagTargets(config.stateDir, db, inspected, { name: 'before-note', move: false });
    expect(tagged.map((t) => [t.target.schema, t.position.at])).toEqual([['billing_acme', '0003']]);

    ws.write('billing/alembic/versions/0004_account_note.py', REVISION_0004);
    for (const target of targets) await runToolTarget(config, service, target, db, { onOutput });
    expect(await version()).toEqual(['0004']);

    const tags = await resolveTag(db, client, inspected, 'before-note');
    const target = inspected[0]?.target;
    if (!target) throw new Error('no target');
    const plans = await planToolRollbacks(config, db, [{ service, target }], {
      steps: 1,
      to: tags.get(target)?.at ?? 'base',
    });
    expect(plans.map((p) => [p.rolledBack, p.runs])).toEqual([[['0004'], [['downgrade', '0003']]]]);
    for (const plan of plans) await runToolRollback(config, db, plan, { onOutput });
    expect(await version()).toEqual(['0003']);
  });

  it('a tag of a tool devup does not roll back is refused with the tool’s own way', async () => {
    const inspected = await inspectTargets(config, db, {});
    const liquibase = inspected.map((t) => ({
      ...t,
      service: {
        ...t.service,
        service: { ...service, migrations: { ...(service.migrations as object), tool: 'liquibase' } },
      },
    })) as typeof inspected;
    await expect(tagTargets(config.stateDir, db, liquibase, { name: 'x', move: false })).rejects.toMatchObject({
      message: 'devup migrate tag cannot tag liquibase targets (services.billing)',
      hint: expect.stringContaining('liquibase tag NAME'),
    });
  });
});
