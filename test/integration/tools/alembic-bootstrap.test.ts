import { readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { ServiceSettings } from '../../../src/config/types.js';
import type { TargetBase } from '../../../src/migrations/targets.js';
import { runToolTarget } from '../../../src/migrations/tools/tool-runner.js';
import { readCatalogFingerprint } from '../../../src/schema/catalog-fingerprint.js';
import { renderSchemaDocs } from '../../../src/schema/schema-docs.js';
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

/** The catalog with the schema's own name taken out, so that two tenants can be compared. */
async function fingerprint(client: pg.Client, schema: string): Promise<Map<string, string>> {
  const raw = await readCatalogFingerprint(client, schema, ['alembic_version']);
  return new Map([...raw].map(([key, def]) => [key, def.replaceAll(`${schema}.`, 'SCHEMA.')]));
}

describe.skipIf(!available)("migrations.bootstrap: 'schema' on Alembic (python3 -m alembic)", () => {
  let { db, client, ws, config, service, targets } = {} as ToolProject;
  let alembic: ReturnType<typeof countingWrapper>;
  let snapshot = '';
  const output: string[] = [];
  const target = (tenant: string) => targets.find((t) => t.tenant === tenant) as TargetBase;
  const run = (tenant: string, settings: ServiceSettings = service) =>
    runToolTarget(config, settings, target(tenant), db, { onOutput: (line) => output.push(line) });
  const version = async (schema: string) =>
    (await client.query(`select version_num from ${schema}.alembic_version`)).rows.map((r) => r.version_num);

  withToolProject(
    (workspace) => {
      alembic = alembicFixture(workspace, 'bin');
      return {
        project: 'tools-alembic-bootstrap',
        service: 'billing',
        migrations: {
          tool: 'alembic',
          program: [alembic.path],
          tenants: ['replay', 'fresh', 'late', 'edited', 'gone'],
          schema: 'billing_{tenant}',
          bootstrap: 'schema',
        },
      };
    },
    async (project) => {
      ({ db, client, ws, config, service, targets } = project);
      // The snapshot as `devup schema` writes it: from a replayed tenant (bootstrap off).
      const replay = { ...service, migrations: { ...service.migrations, bootstrap: 'replay' } } as ServiceSettings;
      await run('replay', replay);
      const docs = await renderSchemaDocs(db, [{ service: 'billing', schema: 'billing_replay', database: undefined }]);
      snapshot = path.join(config.schema.dir, 'billing.sql');
      ws.write(path.relative(ws.dir, snapshot), docs.get('billing.sql') ?? '');
    },
  );

  it("seals the snapshot with Alembic's head revision", () => {
    expect(readFileSync(snapshot, 'utf8')).toMatch(/-- devup:alembic-head 0003\n-- devup:snapshot [0-9a-f]{64}\n$/);
  });

  it('builds a fresh tenant from the snapshot and alembic stamp, with the catalog of a replay', async () => {
    const before = alembic.count();
    expect(await run('fresh')).toEqual(['0001', '0002', '0003']);
    // stamp, then upgrade head (which finds nothing newer): no revision was replayed.
    expect(alembic.count() - before).toBe(2);
    expect(output.some((line) => /billing_fresh built from .*billing\.sql; alembic stamp 0003/.test(line))).toBe(true);
    expect(await version('billing_fresh')).toEqual(['0003']);
    expect(await fingerprint(client, 'billing_fresh')).toEqual(await fingerprint(client, 'billing_replay'));
  });

  it('a revision added after the snapshot still applies on top, through alembic upgrade head', async () => {
    ws.write('billing/alembic/versions/0004_account_note.py', REVISION_0004);
    try {
      expect(await run('late')).toEqual(['0001', '0002', '0003', '0004']);
      expect(await version('billing_late')).toEqual(['0004']);
      const { rows } = await client.query(
        "select 1 from information_schema.columns where table_schema = 'billing_late' and table_name = 'accounts' and column_name = 'note'",
      );
      expect(rows).toHaveLength(1);
    } finally {
      ws.remove('billing/alembic/versions/0004_account_note.py');
    }
  });

  it('refuses, with nothing applied, a snapshot changed after devup schema wrote it', async () => {
    const sealed = readFileSync(snapshot, 'utf8');
    ws.write(path.relative(ws.dir, snapshot), sealed.replace('CREATE TABLE', 'CREATE UNLOGGED TABLE'));
    try {
      await expect(run('edited')).rejects.toThrow(
        /billing_edited: cannot build it from .*billing\.sql: it was changed after `devup schema` wrote it/,
      );
    } finally {
      ws.write(path.relative(ws.dir, snapshot), sealed);
    }
    expect(await fingerprint(client, 'billing_edited')).toEqual(new Map());
    expect(await tableExists(client, 'billing_edited.alembic_version')).toBe(false);
  });

  it('refuses, with nothing applied, a snapshot whose head is not in the revision graph', async () => {
    const file = 'billing/alembic/versions/0003_index_invoices.py';
    const kept = readFileSync(path.join(ws.dir, file), 'utf8');
    ws.remove(file);
    try {
      await expect(run('gone')).rejects.toMatchObject({
        message: expect.stringMatching(
          /billing_gone: the schema snapshot .*billing\.sql is at Alembic revision 0003, which is not in the revision graph of .*versions; nothing was applied/,
        ),
        hint: expect.stringContaining('Restore the revision file'),
      });
    } finally {
      ws.write(file, kept);
    }
    expect(await fingerprint(client, 'billing_gone')).toEqual(new Map());
    expect(await tableExists(client, 'billing_gone.alembic_version')).toBe(false);
  });
});
