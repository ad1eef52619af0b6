import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../../src/config/types.js';
import type { ConnectionInfo } from '../../../src/database/connection/connection.js';
import { runMigrationStep, type StepEvent } from '../../../src/migrations/step/migration-step.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { createTestDatabase } from '../helpers/database.js';
import type { countingWrapper } from './tool-fixtures.js';
import { dbmateFixture } from './tool-project.js';

let db: ConnectionInfo & { drop(): Promise<void> };
let ws: Workspace;
let config: ResolvedConfig;
let dbmate: ReturnType<typeof countingWrapper>;

beforeAll(async () => {
  db = await createTestDatabase();
  ws = createWorkspace();
  dbmate = dbmateFixture(ws);
  config = ws.config({
    project: 'tools-step',
    services: {
      ingest: {
        cwd: 'ingest',
        migrations: { tool: 'dbmate', command: [dbmate.path, 'up'], tenants: ['acme', 'globex', 'initech'] },
      },
    },
  });
});

afterAll(async () => {
  await db?.drop();
  ws?.cleanup();
});

it('the migration step applies tool targets once, then finds them up to date without spawning', async () => {
  const events: StepEvent[] = [];
  const first = await runMigrationStep(config, db, { onEvent: (e) => events.push(e) });
  expect(first.failure).toBeUndefined();
  expect(first.outcomes.map((o) => [o.target.schema, o.status, o.applied.length])).toEqual([
    ['ingest_acme', 'applied', 3],
    ['ingest_globex', 'applied', 3],
    ['ingest_initech', 'applied', 3],
  ]);
  // New tenants of a tool service are fresh, so their seed data goes in, as for devup's own engine.
  expect(first.outcomes.map((o) => o.fresh)).toEqual([true, true, true]);
  expect(events.some((e) => e.type === 'output' && /Applying: 20250101120000_create_sources/.test(e.line))).toBe(true);
  expect(dbmate.count()).toBe(3);

  const second = await runMigrationStep(config, db);
  expect(second.outcomes.map((o) => o.status)).toEqual(['up-to-date', 'up-to-date', 'up-to-date']);
  expect(second.outcomes.map((o) => o.fresh)).toEqual([false, false, false]);
  expect(dbmate.count()).toBe(3);
});
