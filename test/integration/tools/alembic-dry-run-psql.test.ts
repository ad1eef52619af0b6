import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { withClient } from '../../../src/database/connection/connection.js';
import { dryRunMigrations } from '../../../src/migrations/sql/dry-run.js';
import { isCI, Output } from '../../../src/ui/output.js';
import { alembicAvailable, tableExists } from './tool-fixtures.js';
import { alembicFixture, type ToolProject, withToolProject } from './tool-project.js';

const available = alembicAvailable() || isCI();

// The env.py most repos have: offline mode sets no search_path and no version table schema (online,
// the URL devup passes puts the tenant's schema first), so the printed SQL names no schema at all.
const PLAIN_ENV_PY = `import os

from alembic import context
from sqlalchemy import create_engine, pool

url = os.environ["DATABASE_URL"]

if context.is_offline_mode():
    context.configure(url=url, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            context.run_migrations()
`;

describe.skipIf(!available)('migrate --dry-run for Alembic prints a script that psql -f runs as told', () => {
  let { db, client, config } = {} as ToolProject;
  let database = '';

  withToolProject(
    (ws) => {
      const alembic = alembicFixture(ws, 'bin');
      ws.write('billing/alembic/env.py', PLAIN_ENV_PY);
      database = `billing_dry_${Math.random().toString(36).slice(2, 8)}`;
      return {
        project: 'tools-alembic-dry-run-psql',
        service: 'billing',
        database,
        migrations: {
          tool: 'alembic',
          program: [alembic.path],
          tenants: ['acme', 'globex'],
          schema: 'billing_{tenant}',
        },
      };
    },
    async (project) => {
      ({ db, client, config } = project);
      // The service's own database, as `devup migrate` would have created it (a dry run creates nothing).
      await client.query(`create database "${database}"`);
    },
  );

  it('connects to the service database and sets each tenant search_path: both tenants end up migrated', async () => {
    try {
      const lines: string[] = [];
      await dryRunMigrations(config, db, { output: new Output('plain', (text) => lines.push(text)) });
      const script = lines.join('');
      expect(script).toContain('a psql script (psql -f FILE)');
      expect(script).toMatch(new RegExp(`^\\\\connect "?${database}"?$`, 'm'));
      expect(script).toMatch(/^set search_path to "?billing_globex"?, public;$/m);
      execFileSync('/usr/lib/postgresql/15/bin/psql', ['-X', '-q', '-d', db.database], {
        input: script,
        env: { ...process.env, PGHOST: db.host, PGPORT: String(db.port), PGUSER: db.user, PGPASSWORD: db.password },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      await withClient(
        db,
        async (own) => {
          for (const schema of ['billing_acme', 'billing_globex']) {
            expect(await tableExists(own, `${schema}.accounts`)).toBe(true);
            const { rows } = await own.query(`select version_num from ${schema}.alembic_version`);
            expect(rows.map((r) => r.version_num)).toEqual(['0003']);
          }
        },
        { database },
      );
      expect(await tableExists(client, 'billing_acme.accounts')).toBe(false);
    } finally {
      await client.query(`drop database if exists "${database}" with (force)`);
    }
  });
});
