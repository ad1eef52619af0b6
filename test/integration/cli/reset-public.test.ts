import { afterEach, expect, it } from 'vitest';
import reset from '../../../src/cli/reset.js';
import { type ConnectionInfo, connectionUrl } from '../../../src/database/connection/connection.js';
import { commandContext } from '../../helpers/command-context.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { withTestDatabase } from '../helpers/database.js';

let db: ConnectionInfo;
let ws: Workspace;
withTestDatabase((created) => {
  db = created;
});
afterEach(() => ws?.cleanup());

it('reset of the public schema lists every object it drops, those devup never created included', async () => {
  ws = createWorkspace({ 'm/0001_accounts.sql': 'create table accounts (id int);' });
  const config = ws.config({
    database: { engine: 'external', url: connectionUrl(db) },
    services: { api: { migrations: { dir: 'm', schema: 'public' } } },
  });
  const lines: string[] = [];
  const ctx = commandContext(config, lines);
  // First run migrates; then someone's own table and function appear in public.
  expect(await reset(ctx, { yes: true, seed: true, start: false })).toBe(0);
  const { withClient } = await import('../../../src/database/connection/connection.js');
  await withClient(db, (c) =>
    c.query(
      'create table public.legacy_notes (id int); create function public.answer(int) returns int language sql as $$ select 42 $$',
    ),
  );
  lines.length = 0;
  expect(await reset(ctx, { yes: true, seed: true, start: false })).toBe(0);
  const shown = lines.join('');
  expect(shown).toMatch(
    /schema public \(3 objects\)\n {4}functions: answer\(integer\)\n {4}tables: accounts, legacy_notes\n/,
  );
});
