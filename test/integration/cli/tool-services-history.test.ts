import { afterEach, expect, it } from 'vitest';
import type { CommandContext } from '../../../src/app/context.js';
import migrateBaseline from '../../../src/cli/migrate-baseline.js';
import migrateRepair from '../../../src/cli/migrate-repair.js';
import type { ResolvedConfig } from '../../../src/config/types.js';
import { type ConnectionInfo, connectionUrl } from '../../../src/database/connection/connection.js';
import type { UserError } from '../../../src/errors.js';
import { commandContext } from '../../helpers/command-context.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { withTestDatabase } from '../helpers/database.js';

let db: ConnectionInfo;
let ws: Workspace;
withTestDatabase((created) => {
  db = created;
});
afterEach(() => ws?.cleanup());

function project(): { config: ResolvedConfig; lines: string[]; ctx: CommandContext } {
  ws = createWorkspace({
    'api/m/0001_a.sql': 'create table a (id int);',
    'billing/alembic/versions/.keep': '',
    'ingest/db/migrations/.keep': '',
  });
  const config = ws.config({
    database: { engine: 'external', url: connectionUrl(db) },
    services: {
      api: { cwd: 'api', migrations: { dir: 'm' } },
      billing: { cwd: 'billing', migrations: { tool: 'alembic', tenants: ['acme', 'globex'] } },
      ingest: { cwd: 'ingest', migrations: { tool: 'dbmate' } },
    },
  });
  const lines: string[] = [];
  const ctx = commandContext(config, lines);
  return { config, lines, ctx };
}

it('baseline and repair name each tool service they leave alone, once, with the tool’s own command', async () => {
  const { lines, ctx } = project();
  expect(await migrateBaseline(ctx, { service: 'api,billing', to: '1' })).toBe(0);
  const baseline = lines.splice(0).join('');
  expect(baseline).toContain(
    '! billing is migrated by alembic, which keeps its own history: devup migrate baseline leaves it alone; use `alembic stamp <revision>` instead.\n',
  );
  expect(baseline.match(/billing is migrated/g)).toHaveLength(1);
  expect(baseline).toMatch(/api_default: marked 1 as applied/);

  expect(await migrateRepair(ctx, { yes: true })).toBe(0);
  const repair = lines.splice(0).join('');
  expect(repair).toMatch(/billing is migrated by alembic, .*devup migrate repair leaves it alone; use `alembic stamp/);
  expect(repair).toMatch(/ingest is migrated by dbmate, .*use an edit of its `schema_migrations` table/);
  expect(repair).toMatch(/Nothing to repair/);
});

it('naming only tool services is an error that says what to run instead (a revision in --to included)', async () => {
  const { ctx } = project();
  const baseline = (await migrateBaseline(ctx, { service: 'billing', to: 'ae1027a6acf' }).catch((e) => e)) as UserError;
  expect(baseline.message).toBe('devup migrate baseline: nothing to do; billing is migrated by an external tool');
  expect(baseline.details.join('\n')).toContain('use `alembic stamp <revision>` instead');
  const repair = (await migrateRepair(ctx, { service: 'billing,ingest', yes: true }).catch((e) => e)) as UserError;
  expect(repair.message).toBe('devup migrate repair: nothing to do; billing, ingest are migrated by an external tool');
});
