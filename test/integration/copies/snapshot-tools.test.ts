import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import migrate from '../../../src/cli/migrate.js';
import snapshotList from '../../../src/cli/snapshot-list.js';
import snapshotRestore from '../../../src/cli/snapshot-restore.js';
import snapshotSave from '../../../src/cli/snapshot-save.js';
import type { ResolvedConfig } from '../../../src/config/types.js';
import { type ConnectionInfo, connectionUrl } from '../../../src/database/connection/connection.js';
import { isCI } from '../../../src/ui/output.js';
import { commandContext } from '../../helpers/command-context.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { createTestDatabase } from '../helpers/database.js';
import { alembicAvailable, copyFixture, countingWrapper, SYSTEM_PYTHON } from '../tools/tool-fixtures.js';

// Snapshots of a project migrated by Alembic: what `snapshot list` counts, and what a restore starts.
describe.skipIf(!(alembicAvailable() || isCI()))('snapshots of Alembic targets', () => {
  let db: ConnectionInfo & { drop(): Promise<void> };
  let ws: Workspace;
  let config: ResolvedConfig;
  let alembic: ReturnType<typeof countingWrapper>;

  beforeAll(async () => {
    db = await createTestDatabase();
    ws = createWorkspace();
    copyFixture('alembic', path.join(ws.dir, 'billing'));
    alembic = countingWrapper(path.join(ws.dir, 'bin'), 'alembic', [SYSTEM_PYTHON, '-m', 'alembic']);
    config = ws.config({
      project: `snap-tools-${db.database}`,
      database: { engine: 'external', url: connectionUrl(db) },
      services: {
        billing: {
          cwd: 'billing',
          migrations: {
            tool: 'alembic',
            command: [alembic.path, 'upgrade', 'head'],
            program: [alembic.path],
            tenants: ['acme', 'globex'],
            schema: 'billing_{tenant}',
          },
        },
      },
    });
  });
  afterAll(async () => {
    await db?.drop();
    ws?.cleanup();
  });

  const run = async <Options, Args>(
    command: (ctx: ReturnType<typeof commandContext>, options: Options, args: Args) => Promise<number>,
    options: Options,
    args: Args,
  ) => {
    const lines: string[] = [];
    const code = await command(commandContext(config, lines, 'external'), options, args);
    return { code, output: lines.join('') };
  };

  it('snapshot list counts the revisions in the tools history tables', async () => {
    expect((await run(migrate, {}, [])).code).toBe(0);
    expect((await run(snapshotSave, {}, ['migrated'])).code).toBe(0);
    const { code, output } = await run(snapshotList, {}, []);
    expect(code).toBe(0);
    expect(output).toMatch(/^migrated\s.*\s6 applied in 2 schemas\s+migrations unchanged since$/m);
  });

  it('snapshot restore checks the restored tool targets without starting the tool', async () => {
    const before = alembic.count();
    const { code, output } = await run(snapshotRestore, { yes: true, seed: true }, ['migrated']);
    expect(code, output).toBe(0);
    expect(output).toMatch(/billing_acme already up-to-date/);
    expect(output).toMatch(/billing_globex already up-to-date/);
    expect(alembic.count()).toBe(before);
  });

  it('after a revision written since the snapshot, the restore runs the tool and applies it', async () => {
    ws.write(
      'billing/alembic/versions/0004_notes.py',
      [
        'revision = "0004"',
        'down_revision = "0003"',
        'branch_labels = None',
        'depends_on = None',
        'from alembic import op',
        'def upgrade() -> None:',
        '    op.execute("create table notes (id bigint)")',
        'def downgrade() -> None:',
        '    op.execute("drop table notes")',
        '',
      ].join('\n'),
    );
    expect((await run(migrate, {}, [])).code).toBe(0);
    const before = alembic.count();
    const { code, output } = await run(snapshotRestore, { yes: true, seed: true }, ['migrated']);
    expect(code, output).toBe(0);
    expect(output).toMatch(/billing_acme applied 1 \(0004\)/);
    expect(alembic.count()).toBeGreaterThan(before);
  });
});
