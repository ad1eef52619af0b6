import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectionEnv } from '../../../src/database/connection/connection-env.js';
import { runToolTarget } from '../../../src/migrations/tools/tool-runner.js';
import { isCI } from '../../../src/ui/output.js';
import { alembicAvailable, REPO, SYSTEM_PYTHON } from './tool-fixtures.js';
import { alembicFixture, type ToolProject, withToolProject } from './tool-project.js';

// The env.py most Alembic repos have: the URL from a variable of their own, through
// config.set_main_option (ConfigParser interpolation: a "%" in it would raise), and the schema
// from another variable for the version table.
const COMMON_ENV_PY = `import os

from alembic import context
from sqlalchemy import engine_from_config, pool, text

config = context.config
config.set_main_option("sqlalchemy.url", os.environ["SQLALCHEMY_DATABASE_URL"])
schema = os.environ["ALEMBIC_SCHEMA"]

engine = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool)
with engine.connect() as connection:
    connection.execute(text(f'create schema if not exists "{schema}"'))
    connection.execute(text(f'set search_path to "{schema}", public'))
    context.configure(connection=connection, target_metadata=None, version_table_schema=schema)
    with context.begin_transaction():
        context.run_migrations()
`;

const available = alembicAvailable() || isCI();

describe.skipIf(!available)('a common-style Alembic repo, as it is', () => {
  // Set by withToolProject before the first test.
  let { db, client, ws, config, service, targets } = {} as ToolProject;
  const output: string[] = [];

  withToolProject(
    (workspace) => {
      // The tool lives in the service's virtualenv, as uv or poetry would put it; no `command`.
      alembicFixture(workspace, path.join('billing', '.venv', 'bin'));
      workspace.write('billing/alembic/env.py', COMMON_ENV_PY);
      return {
        project: 'alembic-env',
        service: 'billing',
        migrations: {
          tool: 'alembic',
          tenants: ['acme', 'globex'],
          schema: 'billing_{tenant}',
          env: { SQLALCHEMY_DATABASE_URL: '{url}', ALEMBIC_SCHEMA: '{schema}' },
        },
      };
    },
    (project) => ({ db, client, ws, config, service, targets } = project),
  );

  it('finds alembic in the .venv, maps devup values onto env.py variables, and migrates each tenant', async () => {
    for (const target of targets) {
      const applied = await runToolTarget(config, service, target, db, { onOutput: (line) => output.push(line) });
      expect(applied).toEqual(['0001', '0002', '0003']);
    }
    expect(output).toContain(
      `devup: running ${path.join(ws.dir, 'billing', '.venv', 'bin', 'alembic')} in ${path.join(ws.dir, 'billing')}`,
    );
    for (const schema of ['billing_acme', 'billing_globex']) {
      const { rows } = await client.query(`select version_num from ${schema}.alembic_version`);
      expect(rows).toEqual([{ version_num: '0003' }]);
    }
  });

  it('gives services a URL SQLAlchemy + psycopg2 and node-postgres accept, starting in the tenant schema', () => {
    const env = {
      ...process.env,
      ...connectionEnv(db, service, [
        { tenant: 'globex', schema: 'billing_globex' },
        { tenant: 'acme', schema: 'billing_acme' },
      ]),
    };
    const python = execFileSync(
      SYSTEM_PYTHON,
      [
        '-c',
        [
          'import os, sqlalchemy',
          'from alembic.config import Config',
          // What env.py files do with it: ConfigParser interpolation must accept the URL.
          'Config().set_main_option("sqlalchemy.url", os.environ["DATABASE_URL"])',
          'engine = sqlalchemy.create_engine(os.environ["DATABASE_URL"])',
          'print(engine.connect().execute(sqlalchemy.text("select current_schema()")).scalar())',
        ].join('\n'),
      ],
      { env, encoding: 'utf8' },
    );
    expect(python.trim()).toBe('billing_globex');
    const node = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        [
          "const { default: pg } = await import('pg');",
          'const client = new pg.Client({ connectionString: process.env.DATABASE_URL });',
          'await client.connect();',
          "console.log((await client.query('select current_schema() as s')).rows[0].s);",
          'await client.end();',
        ].join(' '),
      ],
      { env, encoding: 'utf8', cwd: REPO },
    );
    expect(node.trim()).toBe('billing_globex');
  });
});
