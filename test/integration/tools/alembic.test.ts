import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ServiceSettings } from '../../../src/config/types.js';
import { UserError } from '../../../src/errors.js';
import type { TargetBase } from '../../../src/migrations/targets.js';
import { checkToolTarget, runToolTarget } from '../../../src/migrations/tools/tool-runner.js';
import { isCI } from '../../../src/ui/output.js';
import { alembicAvailable, type countingWrapper, tableExists } from './tool-fixtures.js';
import { alembicFixture, type ToolProject, withToolProject } from './tool-project.js';

// CI installs python3-alembic; elsewhere a machine without it skips with a visible reason.
const available = alembicAvailable() || isCI();
const onPath = (program: string) => spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;

describe.skipIf(!available)('alembic, for real (python3 -m alembic)', () => {
  // Set by withToolProject before the first test.
  let { db, client, ws, config, service, targets } = {} as ToolProject;
  let alembic: ReturnType<typeof countingWrapper>;
  const output: string[] = [];

  const check = (target: TargetBase) => checkToolTarget(config, service, target, db, client);
  const run = (target: TargetBase) =>
    runToolTarget(config, service, target, db, { onOutput: (line) => output.push(line) });
  const [acme, globex] = [() => targets[0] as TargetBase, () => targets[1] as TargetBase];

  withToolProject(
    (workspace) => {
      alembic = alembicFixture(workspace, 'bin');
      return {
        project: 'tools-alembic',
        service: 'billing',
        migrations: {
          tool: 'alembic',
          command: [alembic.path, 'upgrade', 'head'],
          tenants: ['acme', 'globex'],
          schema: 'billing_{tenant}',
        },
      };
    },
    (project) => ({ db, client, ws, config, service, targets } = project),
  );

  it('applies every revision to each tenant schema on the first run', async () => {
    for (const target of targets) {
      expect(await check(target)).toEqual({ upToDate: false, pending: ['0001', '0002', '0003'], fresh: true });
    }
    expect(await run(acme())).toEqual(['0001', '0002', '0003']);
    expect(await run(globex())).toEqual(['0001', '0002', '0003']);
    expect(alembic.count()).toBe(2);
    for (const schema of ['billing_acme', 'billing_globex']) {
      expect(await tableExists(client, `${schema}.invoices`)).toBe(true);
      const { rows } = await client.query(`select version_num from ${schema}.alembic_version`);
      expect(rows).toEqual([{ version_num: '0003' }]);
    }
    expect(await tableExists(client, 'public.invoices')).toBe(false);
    expect(await tableExists(client, 'public.alembic_version')).toBe(false);
  });

  it('then decides that nothing is pending without starting alembic', async () => {
    const before = alembic.count();
    for (let i = 0; i < 5; i++) {
      for (const target of targets) expect(await check(target)).toMatchObject({ upToDate: true, pending: [] });
    }
    expect(alembic.count()).toBe(before);
  });

  it('runs again when a new revision file appears', async () => {
    ws.write(
      'billing/alembic/versions/0004_account_note.py',
      "from alembic import op\n\nrevision = '0004'\ndown_revision = '0003'\n\n\ndef upgrade():\n    op.execute('alter table accounts add column if not exists note text')\n",
    );
    for (const target of targets) expect(await check(target)).toMatchObject({ upToDate: false, pending: ['0004'] });
    const before = alembic.count();
    expect(await run(acme())).toEqual(['0004']);
    expect(await run(globex())).toEqual(['0004']);
    expect(alembic.count()).toBe(before + 2);
    for (const target of targets) expect((await check(target)).upToDate).toBe(true);
  });

  it('runs again after a manual downgrade, for that tenant only', async () => {
    await client.query(`update billing_acme.alembic_version set version_num = '0003'`);
    expect(await check(acme())).toMatchObject({ upToDate: false, pending: ['0004'] });
    expect(await check(globex())).toMatchObject({ upToDate: true, pending: [] });
    expect(await run(acme())).toEqual(['0004']);
    expect((await check(acme())).upToDate).toBe(true);

    await client.query('delete from billing_globex.alembic_version');
    expect(await check(globex())).toMatchObject({ upToDate: false, pending: ['0001', '0002', '0003', '0004'] });
    await client.query(`insert into billing_globex.alembic_version values ('0004')`);
    expect((await check(globex())).upToDate).toBe(true);
  });

  it('reports a failing revision with the end of its output and the password masked', async () => {
    ws.write(
      'billing/alembic/versions/0005_broken.py',
      "from alembic import op\n\nrevision = '0005'\ndown_revision = '0004'\n\n\ndef upgrade():\n    op.execute('select * from no_such_table')\n",
    );
    try {
      const error = await run(acme()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(UserError);
      const userError = error as UserError;
      expect(userError.message).toBe(
        'alembic failed for billing (tenant acme, schema billing_acme): exited with code 1',
      );
      expect(userError.details[0]).toContain('upgrade head');
      expect(userError.details.join('\n')).toContain('no_such_table');
      expect(userError.details.length).toBeLessThanOrEqual(21);
      expect(userError.hint).toContain('--service billing --tenant acme');
      // The test servers' passwords are long enough not to occur in a message by chance.
      expect(db.password.length).toBeGreaterThanOrEqual(3);
      expect(`${userError.message}${userError.details.join('')}${output.join('')}`).not.toContain(db.password);
      expect(await check(acme())).toMatchObject({ upToDate: false, pending: ['0005'] });
    } finally {
      ws.remove('billing/alembic/versions/0005_broken.py');
    }
  });

  it.skipIf(onPath('alembic'))('says which program is missing and how to install it', async () => {
    const bare = ws.config({
      project: 'tools-alembic',
      services: {
        billing: { cwd: 'billing', migrations: { tool: 'alembic', tenants: ['acme'], schema: 'billing_{tenant}' } },
      },
    });
    const settings = bare.services[0] as ServiceSettings;
    // No `alembic` command on these machines' PATH: Debian's package installs none.
    const error = await runToolTarget({ ...bare, root: ws.dir }, settings, acme(), db, {
      onOutput: () => {},
    }).then(
      () => undefined,
      (e: unknown) => e as UserError,
    );
    expect(error?.message).toBe('alembic not found: cannot run alembic for billing (tenant acme, schema billing_acme)');
    expect(error?.hint).toContain('pip install alembic');
    expect(error?.hint).toContain(path.join(ws.dir, 'billing', 'node_modules', '.bin'));
  });
});
