import { afterAll, beforeAll, expect, it } from 'vitest';
import reset from '../../../src/cli/reset.js';
import type { ResolvedConfig } from '../../../src/config/types.js';
import { type ConnectionInfo, connectionUrl } from '../../../src/database/connection/connection.js';
import { commandContext } from '../../helpers/command-context.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { createTestDatabase } from '../helpers/database.js';
import { commandMigrator } from '../tools/tool-project.js';

let db: ConnectionInfo & { drop(): Promise<void> };
let ws: Workspace;
let config: ResolvedConfig;
let migrator: ReturnType<typeof commandMigrator>;

beforeAll(async () => {
  db = await createTestDatabase();
  ws = createWorkspace();
  migrator = commandMigrator(ws);
  config = ws.config({
    project: `tpl-tools-${db.database}`,
    database: { engine: 'external', url: connectionUrl(db) },
    services: {
      reports: {
        cwd: 'reports',
        migrations: {
          tool: 'command',
          command: ['node', 'scripts/migrate.cjs'],
          dir: 'sql',
          schema: 'reports_{tenant}',
        },
      },
    },
  });
});

afterAll(async () => {
  await db?.drop();
  ws?.cleanup();
});

const runs = () => migrator.runs();

async function resetAll(): Promise<string> {
  const lines: string[] = [];
  expect(
    await reset(commandContext(config, lines, 'external'), { yes: true, seed: true, start: false }),
    lines.join(''),
  ).toBe(0);
  return lines.join('');
}

it('a database restored from its template does not spawn its external tool again', async () => {
  const full = await resetAll();
  expect(full).toMatch(/Full rebuild through the migrations: no template yet/);
  expect(runs()).toBe(1);
  const restored = await resetAll();
  expect(restored).toMatch(/Reset from the template/);
  expect(restored).toMatch(/reports_default already up-to-date/);
  expect(runs()).toBe(1);
  // A changed file still reaches the tool: the full path, which runs it.
  ws.write('reports/sql/002_more.sql', 'create table if not exists more (id int);');
  const rebuilt = await resetAll();
  expect(rebuilt).toMatch(/the migrations of reports changed since the template/);
  expect(runs()).toBe(2);
});
