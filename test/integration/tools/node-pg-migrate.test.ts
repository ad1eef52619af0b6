import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createToolMigration } from '../../../src/migrations/tools/tool-new-migration.js';
import { planToolRollbacks, runToolRollback } from '../../../src/migrations/tools/tool-rollback.js';
import { runToolTarget } from '../../../src/migrations/tools/tool-runner.js';
import { toolTargetStatuses } from '../../../src/migrations/tools/tool-status.js';
import { REPO, tableExists } from './tool-fixtures.js';
import { type ToolProject, withToolProject } from './tool-project.js';

const migration = (table: string) =>
  `exports.up = (pgm) => { pgm.sql('create table ${table} (id int)'); };\nexports.down = (pgm) => { pgm.sql('drop table ${table}'); };\n`;

describe('node-pg-migrate (a devDependency), for real: status, down and create', () => {
  // Set by withToolProject before the first test.
  let { db, client, ws, config, service, targets } = {} as ToolProject;
  const onOutput = () => {};

  const selected = () => targets.map((target) => ({ service, target }));
  const statuses = async () => [...(await toolTargetStatuses(config.stateDir, db, selected())).values()];

  withToolProject(
    (workspace) => {
      workspace.write('api/migrations/1700000000000_create_a.js', migration('a'));
      workspace.write('api/migrations/1700000000001_create_b.js', migration('b'));
      return {
        project: 'tools-node-pg-migrate',
        service: 'api',
        migrations: {
          tool: 'node-pg-migrate',
          program: [path.join(REPO, 'node_modules', '.bin', 'node-pg-migrate')],
          tenants: ['acme', 'globex'],
        },
      };
    },
    async (project) => {
      ({ db, client, ws, config, service, targets } = project);
      for (const target of targets) await runToolTarget(config, service, target, db, { onOutput });
    },
  );

  it('status: pgmigrations against the files, per tenant', async () => {
    ws.write('api/migrations/1700000000002_create_c.js', migration('c'));
    for (const status of await statuses()) {
      expect(status.applied.map((a) => a.version)).toEqual(['1700000000000_create_a', '1700000000001_create_b']);
      expect(status.pending).toEqual([{ version: '1700000000002_create_c', name: '1700000000002_create_c' }]);
    }
  });

  it('down: node-pg-migrate down N in the tenant schema, the other tenant untouched', async () => {
    for (const target of targets) await runToolTarget(config, service, target, db, { onOutput });
    const [acme] = await planToolRollbacks(config, db, selected(), { steps: 2, to: undefined });
    expect(acme?.rolledBack).toEqual(['1700000000002_create_c', '1700000000001_create_b']);
    await runToolRollback(config, db, acme!, { onOutput });
    expect(await tableExists(client, 'api_acme.c')).toBe(false);
    expect(await tableExists(client, 'api_acme.b')).toBe(false);
    expect(await tableExists(client, 'api_acme.a')).toBe(true);
    expect(await tableExists(client, 'api_globex.c')).toBe(true);
    const [after] = await statuses();
    expect(after?.pending?.map((p) => p.version)).toEqual(['1700000000001_create_b', '1700000000002_create_c']);
  });

  it('new migration: node-pg-migrate create in the migrations directory', async () => {
    const files = await createToolMigration(config, service, 'add_d', onOutput);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/api\/migrations\/\d+_add[-_]d\.js$/);
    expect(readFileSync(files[0] as string, 'utf8')).toMatch(/up/);
  });
});
