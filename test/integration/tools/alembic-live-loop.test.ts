import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveMigrations } from '../../../src/app/dev/live-migrations.js';
import type { ResolvedConfig } from '../../../src/config/types.js';
import { type ConnectionInfo, connectionUrl, withClient } from '../../../src/database/connection/connection.js';
import { runMigrationStep } from '../../../src/migrations/step/migration-step.js';
import { isCI, Output } from '../../../src/ui/output.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { createTestDatabase } from '../helpers/database.js';
import { alembicAvailable, copyFixture, countingWrapper, SYSTEM_PYTHON } from './tool-fixtures.js';

const available = alembicAvailable() || isCI();

/** What `alembic revision -m "account note"` writes (the template's `pass` bodies). */
const TEMPLATE = `"""account note"""
from alembic import op

revision = '0004'
down_revision = '0003'


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
`;
const WRITTEN = TEMPLATE.replace(
  'def upgrade() -> None:\n    pass',
  "def upgrade() -> None:\n    op.execute('alter table accounts add column note text')",
).replace(
  'def downgrade() -> None:\n    pass',
  "def downgrade() -> None:\n    op.execute('alter table accounts drop column note')",
);
const BROKEN_0005 = `from alembic import op

revision = '0005'
down_revision = '0004'


def upgrade():
    op.execute('alter table accounts add colum oops text')


def downgrade():
    pass
`;

describe.skipIf(!available)("devup dev's live loop with real Alembic (two tenants)", () => {
  let db: ConnectionInfo & { drop(): Promise<void> };
  let ws: Workspace;
  let config: ResolvedConfig;
  const lines: string[] = [];
  const restarts: string[][] = [];
  let live: LiveMigrations;
  const stop = new AbortController();
  const revision = (file: string) => `billing/alembic/versions/${file}`;
  /** One live run for billing, as a save would trigger it; returns what it printed. */
  const save = async () => {
    const from = lines.length;
    await live.request(['billing']);
    return lines.slice(from).join('');
  };
  const versions = () =>
    withClient(db, async (c) => {
      const { rows } = await c.query<{ v: string }>(
        `select 'acme:' || version_num as v from billing_acme.alembic_version
          union all select 'globex:' || version_num from billing_globex.alembic_version order by 1`,
      );
      return rows.map((r) => r.v);
    });

  beforeAll(async () => {
    db = await createTestDatabase();
    ws = createWorkspace();
    copyFixture('alembic', path.join(ws.dir, 'billing'));
    const alembic = countingWrapper(path.join(ws.dir, 'bin'), 'alembic', [SYSTEM_PYTHON, '-m', 'alembic']);
    config = ws.config({
      project: 'tools-alembic-live',
      database: { engine: 'external', url: connectionUrl(db) },
      services: {
        billing: {
          cwd: 'billing',
          // Never started here: the supervisor below records what would be restarted.
          command: 'true',
          migrations: {
            tool: 'alembic',
            program: [alembic.path],
            tenants: ['acme', 'globex'],
            schema: 'billing_{tenant}',
          },
        },
      },
    });
    expect((await runMigrationStep(config, db)).failure).toBeUndefined();
    live = new LiveMigrations({
      output: new Output('plain', (text) => lines.push(text)),
      config,
      services: config.services,
      admin: db,
      supervisor: {
        restart: async (names) => {
          restarts.push([...names]);
          return [];
        },
      },
      signal: stop.signal,
    });
  });
  afterAll(async () => {
    stop.abort();
    await db?.drop();
    ws?.cleanup();
  });

  it('a new revision whose upgrade() is still pass is not applied: one line says so', async () => {
    ws.write(revision('0004_account_note.py'), TEMPLATE);
    const text = await save();
    expect(text).toBe('… waiting for billing/alembic/versions/0004_account_note.py: upgrade() is still empty\n');
    expect(await versions()).toEqual(['acme:0003', 'globex:0003']);
    expect(restarts).toEqual([]);
  });

  it('once upgrade() is written it is applied to both tenants, and billing restarts', async () => {
    ws.write(revision('0004_account_note.py'), WRITTEN);
    expect(await save()).toMatch(/✔ billing migrated; billing ready again in /);
    expect(await versions()).toEqual(['acme:0004', 'globex:0004']);
    expect(restarts).toEqual([['billing']]);
  });

  it('deleting an unapplied failing revision migrates nothing and restarts nothing', async () => {
    ws.write(revision('0005_broken.py'), BROKEN_0005);
    expect(await save()).toMatch(/✗ billing: migration failed; every service keeps running on the old schema/);
    ws.remove(revision('0005_broken.py'));
    const text = await save();
    expect(text).not.toMatch(/migrated/);
    expect(text).toMatch(/… billing: nothing to apply/);
    expect(restarts).toEqual([['billing']]);
  });

  it('an applied revision edited is named with the way out, and nothing runs', async () => {
    ws.write(revision('0004_account_note.py'), WRITTEN.replace('note text', 'note varchar(80)'));
    const text = await save();
    expect(text).toMatch(
      /! billing: applied migrations changed on disk \(0004_account_note edited; in billing_acme, billing_globex\); nothing applied\. `devup migrate redo --service billing --tenant acme`/,
    );
    expect(restarts).toEqual([['billing']]);
  });
});
