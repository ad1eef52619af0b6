import type pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { applyTarget } from '../../../src/migrations/sql/apply.js';
import { readHistories } from '../../../src/migrations/sql/history.js';
import { isUpToDate, planTarget } from '../../../src/migrations/sql/plan.js';
import { rollbackTarget } from '../../../src/migrations/sql/rollback.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { withTestDatabase } from '../helpers/database.js';
import { corpusStatement } from '../helpers/large-corpus.js';
import { sqlTarget } from '../helpers/sql-target.js';

const COUNT = 240;
let client: pg.Client;
const workspaces: Workspace[] = [];

withTestDatabase((_db, connection) => {
  client = connection;
});
afterAll(() => {
  for (const ws of workspaces) ws.cleanup();
});

function corpus(layout: 'diesel' | 'pairs'): Workspace {
  const files: Record<string, string> = {};
  for (let i = 0; i < COUNT; i++) {
    const { up, down } = corpusStatement(i);
    if (layout === 'diesel') {
      const version = `2024-01-01-${String(100000 + i).padStart(6, '0')}`;
      files[`m/${version}_step_${i}/up.sql`] = up;
      files[`m/${version}_step_${i}/down.sql`] = down;
    } else {
      files[`m/${String(i + 1).padStart(5, '0')}_step_${i}.up.sql`] = up;
      files[`m/${String(i + 1).padStart(5, '0')}_step_${i}.down.sql`] = down;
    }
  }
  const ws = createWorkspace(files);
  workspaces.push(ws);
  return ws;
}

for (const layout of ['diesel', 'pairs'] as const) {
  it(`${COUNT} ${layout} migrations: applied, re-checked as up to date, rolled back to nothing`, async () => {
    const ws = corpus(layout);
    const schema = `corpus_${layout}`;
    const target = sqlTarget(`${ws.dir}/m`, schema, { service: 's' });
    expect(target.migrations).toHaveLength(COUNT);
    const applied = await applyTarget(client, target);
    expect(applied.applied).toHaveLength(COUNT);
    const history = (await readHistories(client, [schema])).get(schema) ?? [];
    expect(history).toHaveLength(COUNT);
    expect(isUpToDate(planTarget(target.migrations, history))).toBe(true);
    const rolledBack = await rollbackTarget(client, target, { to: 0n });
    expect(rolledBack).toHaveLength(COUNT);
    const { rows } = await client.query(
      "select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relname <> 'devup_migrations' and c.relname not like 'devup_migrations%'",
      [schema],
    );
    expect(rows[0]?.n).toBe(0);
  }, 120_000);
}
