import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import migrateDown from '../../../src/cli/migrate-down.js';
import { type ConnectionInfo, connectionUrl } from '../../../src/database/connection/connection.js';
import { UserError } from '../../../src/errors.js';
import { runMigrationStep } from '../../../src/migrations/step/migration-step.js';
import { commandContext } from '../../helpers/command-context.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { withTestDatabase } from '../helpers/database.js';

let db: ConnectionInfo;
let ws: Workspace;
withTestDatabase((created) => {
  db = created;
});
afterEach(() => ws?.cleanup());

async function migratedProject(schema: string) {
  ws = createWorkspace({
    'm/0001_a.up.sql': 'create table a (id int);',
    'm/0001_a.down.sql': 'drop table a;',
    'm/0002_b.up.sql': 'create table b (id int);',
    'm/0002_b.down.sql': 'drop table b;',
    'm/0003_c.up.sql': 'create table c (id int);',
    'm/0003_c.down.sql': 'drop table c;',
  });
  const config = ws.config({
    database: { engine: 'external', url: connectionUrl(db) },
    services: { api: { migrations: { dir: 'm', schema } } },
  });
  await runMigrationStep(config, db);
  return config;
}

it('migrate down confirms exactly what it runs, a migration whose file changed included', async () => {
  const config = await migratedProject('down_changed');
  ws.write('m/0003_c.up.sql', 'create table c (id int); -- edited');
  const lines: string[] = [];
  expect(await migrateDown(commandContext(config, lines), { steps: '1', yes: true })).toBe(0);
  const shown = lines.join('');
  expect(shown).toContain('down_changed: 0003_c (its file changed since it was applied)\n');
  expect(shown).toContain('down_changed: rolled back 0003_c\n');
  expect(shown).not.toContain('0002_b');
});

it('a failed down names what it already rolled back, the file and the way on', async () => {
  const config = await migratedProject('down_failed');
  ws.write('m/0001_a.down.sql', 'drop table no_such_table;');
  const error = await migrateDown(commandContext(config), { steps: '1', to: '0', yes: true }).catch((e) => e);
  expect(error).toBeInstanceOf(UserError);
  expect(error.message).toBe('rolling back 0001_a failed in down_failed');
  expect(error.details.join('\n')).toContain('Already rolled back (and removed from the history): 0003_c, 0002_b.');
  // The code frame names the file relative to the working directory, wherever that is.
  expect(error.details.join('\n')).toContain(`${path.relative(process.cwd(), ws.dir)}/m/0001_a.down.sql:1:1`);
  expect(error.hint).toBe(
    `Nothing of 0001_a's down was kept. Fix ${ws.dir}/m/0001_a.down.sql, then run \`devup migrate down\` again for what is left.`,
  );
});
