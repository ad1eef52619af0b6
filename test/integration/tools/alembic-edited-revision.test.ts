import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import migrateRedo from '../../../src/cli/migrate-redo.js';
import migrateStatus from '../../../src/cli/migrate-status.js';
import type { ResolvedConfig } from '../../../src/config/types.js';
import { type ConnectionInfo, connectionUrl, withClient } from '../../../src/database/connection/connection.js';
import { runMigrationStep, type StepEvent } from '../../../src/migrations/step/migration-step.js';
import { isCI } from '../../../src/ui/output.js';
import { commandContext } from '../../helpers/command-context.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { createTestDatabase } from '../helpers/database.js';
import { alembicAvailable, copyFixture, countingWrapper, SYSTEM_PYTHON } from './tool-fixtures.js';

const available = alembicAvailable() || isCI();

/** What `alembic revision -m` writes: both bodies still the template's `pass`. */
const EMPTY_0004 = `"""account note"""
from alembic import op

revision = '0004'
down_revision = '0003'


def upgrade():
    pass


def downgrade():
    pass
`;
const REAL_0004 = EMPTY_0004.replace(
  'def upgrade():\n    pass',
  "def upgrade():\n    op.execute('alter table accounts add column note text')",
).replace('def downgrade():\n    pass', "def downgrade():\n    op.execute('alter table accounts drop column note')");

describe.skipIf(!available)('an applied Alembic revision edited afterwards, with real Alembic', () => {
  let db: ConnectionInfo & { drop(): Promise<void> };
  let ws: Workspace;
  let config: ResolvedConfig;
  const firstWarnings: string[] = [];
  const warningOf = (e: StepEvent) => (e.type === 'warning' ? [`${e.target.schema}: ${e.message}`] : []);
  const hasNote = (schema: string) =>
    withClient(db, async (c) => {
      const { rowCount } = await c.query(
        `select 1 from information_schema.columns where table_schema = $1 and table_name = 'accounts' and column_name = 'note'`,
        [schema],
      );
      return rowCount === 1;
    });
  const status = async (flags: Record<string, unknown>) => {
    const lines: string[] = [];
    const code = await migrateStatus(commandContext(config, lines), flags);
    return { code, text: lines.join('') };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    ws = createWorkspace();
    copyFixture('alembic', path.join(ws.dir, 'billing'));
    const alembic = countingWrapper(path.join(ws.dir, 'bin'), 'alembic', [SYSTEM_PYTHON, '-m', 'alembic']);
    config = ws.config({
      project: 'tools-alembic-edited',
      database: { engine: 'external', url: connectionUrl(db) },
      services: {
        billing: {
          cwd: 'billing',
          migrations: {
            tool: 'alembic',
            program: [alembic.path],
            tenants: ['acme', 'globex'],
            schema: 'billing_{tenant}',
          },
        },
      },
    });
    ws.write('billing/alembic/versions/0004_account_note.py', EMPTY_0004);
    const first = await runMigrationStep(config, db, { onEvent: (e) => firstWarnings.push(...warningOf(e)) });
    expect(first.failure).toBeUndefined();
    ws.write('billing/alembic/versions/0004_account_note.py', REAL_0004);
  });
  afterAll(async () => {
    await db?.drop();
    ws?.cleanup();
  });

  it('migrate applied the template revision as asked, saying that its upgrade() was still empty', () => {
    expect(firstWarnings).toEqual([
      'billing_acme: 0004: upgrade() is still empty; applying records it with nothing run (after writing it, `devup migrate redo`)',
      'billing_globex: 0004: upgrade() is still empty; applying records it with nothing run (after writing it, `devup migrate redo`)',
    ]);
  });

  it('migrate status names the edited revision in text, with the way out, and --exit-code returns 3', async () => {
    const { code, text } = await status({ exitCode: true });
    expect(code).toBe(3);
    expect(text).toMatch(/≠ 0004_account_note {3}changed since applied/);
    expect(text).toContain('devup migrate redo --service billing --tenant acme');
    expect(text).toContain('4 applied, 0 pending, 1 changed');
  });

  it('migrate status --json lists it under changed', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const lines: string[] = [];
    const ctx = commandContext(config, lines);
    try {
      await migrateStatus({ ...ctx, output: Object.assign(ctx.output, { mode: 'json' }) }, {});
    } finally {
      spy.mockRestore();
    }
    const report = JSON.parse(written.join('')) as { targets: { schema: string; changed: unknown[] }[] };
    expect(report.targets.map((t) => [t.schema, t.changed])).toEqual([
      ['billing_acme', [{ version: '0004', name: '0004_account_note' }]],
      ['billing_globex', [{ version: '0004', name: '0004_account_note' }]],
    ]);
  });

  it('migrate warns and applies nothing, and the edit stays visible afterwards', async () => {
    const events: StepEvent[] = [];
    await runMigrationStep(config, db, { onEvent: (e) => events.push(e) });
    const warnings = events.flatMap((e) => (e.type === 'warning' ? [e.message] : []));
    expect(warnings.some((w) => w.startsWith('0004 changed since it was applied'))).toBe(true);
    expect(await hasNote('billing_acme')).toBe(false);
    expect((await status({ exitCode: true })).code).toBe(3);
  });

  it('migrate redo takes 0004 down and up again in every tenant; status is clean after', async () => {
    const lines: string[] = [];
    expect(await migrateRedo(commandContext(config, lines), { yes: true })).toBe(0);
    const text = lines.join('');
    expect(text).toMatch(/billing_acme: 0004 {3}\(alembic stamp 0003, then migrate\)/);
    expect(text).toMatch(/billing_globex: rolled back 0004/);
    expect(await hasNote('billing_acme')).toBe(true);
    expect(await hasNote('billing_globex')).toBe(true);
    const after = await status({ exitCode: true });
    expect(after.code).toBe(0);
    expect(after.text).not.toContain('changed since applied');
  });
});

describe('migrate redo for a tool without a down step', () => {
  it('says so, names the service, and changes nothing', async () => {
    const db = await createTestDatabase();
    const ws = createWorkspace({ 'reports/migrate.sh': 'exit 0\n' });
    try {
      const config = ws.config({
        project: 'tools-redo-command',
        database: { engine: 'external', url: connectionUrl(db) },
        services: { reports: { cwd: 'reports', migrations: { tool: 'command', command: 'sh migrate.sh' } } },
      });
      const error = await migrateRedo(commandContext(config), { yes: true }).catch((e: Error & { hint?: string }) => e);
      expect(error).toMatchObject({
        message: 'devup migrate redo cannot roll back command (services.reports)',
        hint: 'migrations.command has no down step; roll back with the tool it runs',
      });
    } finally {
      await db.drop();
      ws.cleanup();
    }
  });
});
