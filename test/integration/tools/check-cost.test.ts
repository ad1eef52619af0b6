import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ResolvedConfig } from '../../../src/config/types.js';
import { type ConnectionInfo, connect } from '../../../src/database/connection/connection.js';
import type { ServiceTargets } from '../../../src/migrations/targets.js';
import { collectTargets } from '../../../src/migrations/targets.js';
import { checkToolTarget, runToolTarget } from '../../../src/migrations/tools/tool-runner.js';
import { isCI } from '../../../src/ui/output.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { createTestDatabase } from '../helpers/database.js';
import { alembicAvailable, countingWrapper, dbmateBinary, REPO, SYSTEM_PYTHON } from './tool-fixtures.js';

const COUNT = 25;
const TENANTS = ['acme', 'globex', 'initech'];
const pad = (n: number) => String(n).padStart(4, '0');

// The warm path every developer runs every morning: 3 services x 3 tenants, nothing pending.
describe.skipIf(!(alembicAvailable() || isCI()))('the cost of checking tools with nothing pending', () => {
  let db: ConnectionInfo & { drop(): Promise<void> };
  let client: pg.Client;
  let ws: Workspace;
  let config: ResolvedConfig;
  let services: ServiceTargets[];
  let spawns: () => number;

  beforeAll(async () => {
    const dbmateGo = dbmateBinary();
    db = await createTestDatabase();
    client = await connect(db);
    const files: Record<string, string> = {
      'billing/alembic.ini': '[alembic]\nscript_location = alembic\n',
      'billing/alembic/env.py':
        'import os\nfrom alembic import context\nfrom sqlalchemy import create_engine, pool\nengine = create_engine(os.environ["DATABASE_URL"], poolclass=pool.NullPool)\nwith engine.connect() as connection:\n    context.configure(connection=connection)\n    with context.begin_transaction():\n        context.run_migrations()\n',
      'reports/migrate.cjs': `const fs = require('node:fs');\nconst pg = require(${JSON.stringify(path.join(REPO, 'node_modules', 'pg'))});\n(async () => {\n  const c = new pg.Client({ connectionString: process.env.DATABASE_URL });\n  await c.connect();\n  for (const f of fs.readdirSync('sql').sort()) await c.query(fs.readFileSync('sql/' + f, 'utf8'));\n  await c.end();\n})().catch((e) => { console.error(e.message); process.exit(1); });\n`,
    };
    for (let i = 1; i <= COUNT; i++) {
      const down = i === 1 ? 'None' : `'${pad(i - 1)}'`;
      files[`billing/alembic/versions/${pad(i)}_t${i}.py`] =
        `from alembic import op\n\nrevision = '${pad(i)}'\ndown_revision = ${down}\n\n\ndef upgrade():\n    op.execute('create table b${i} (id int)')\n`;
      files[`ingest/db/migrations/2025010100${pad(i)}_t${i}.sql`] =
        `-- migrate:up\ncreate table i${i} (id int);\n\n-- migrate:down\ndrop table i${i};\n`;
      files[`reports/sql/${pad(i)}_t${i}.sql`] = `create table if not exists r${i} (id int);`;
    }
    ws = createWorkspace(files);
    const bin = path.join(ws.dir, 'bin');
    const alembic = countingWrapper(bin, 'alembic', [SYSTEM_PYTHON, '-m', 'alembic']);
    const dbmate = countingWrapper(bin, 'dbmate', [dbmateGo]);
    const node = countingWrapper(bin, 'node', [process.execPath]);
    spawns = () => alembic.count() + dbmate.count() + node.count();
    config = ws.config({
      project: 'tools-cost',
      services: {
        billing: {
          cwd: 'billing',
          migrations: { tool: 'alembic', command: [alembic.path, 'upgrade', 'head'], tenants: TENANTS },
        },
        ingest: {
          cwd: 'ingest',
          migrations: { tool: 'dbmate', command: [dbmate.path, '--no-dump-schema', 'up'], tenants: TENANTS },
        },
        reports: {
          cwd: 'reports',
          migrations: { tool: 'command', command: [node.path, 'migrate.cjs'], dir: 'sql', tenants: TENANTS },
        },
      },
    });
    services = await collectTargets(config, { query: (sql) => client.query(sql) });
    for (const { service, targets } of services) {
      for (const target of targets) await runToolTarget(config, service, target, db, { onOutput: () => {} });
    }
  });

  afterAll(async () => {
    await client?.end();
    await db?.drop();
    ws?.cleanup();
  });

  async function checkAll(check: typeof checkToolTarget): Promise<void> {
    for (const { service, targets } of services) {
      for (const target of targets)
        expect(await check(config, service, target, db, client)).toEqual({ upToDate: true, pending: [] });
    }
  }

  // The cost itself is measured by `npm run bench`, not asserted here (timed tests flake).
  it('checks 9 targets with nothing pending, spawning nothing, fresh process or not', async () => {
    const before = spawns();
    // A fresh copy of the modules: nothing parsed or hashed yet, as in a new devup process.
    vi.resetModules();
    const fresh = await import('../../../src/migrations/tools/tool-runner.js');
    await checkAll(fresh.checkToolTarget);
    for (let i = 0; i < 5; i++) await checkAll(checkToolTarget);
    expect(spawns()).toBe(before);
  });
});
