import { chmodSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { alembicAvailable, SYSTEM_PYTHON } from '../integration/tools/tool-fixtures.js';
import { runCli } from './demo-helpers.js';

// CI installs python3-alembic, python3-sqlalchemy and python3-psycopg2; elsewhere a machine without them skips.
const available = alembicAvailable() || process.env.CI === 'true';

const ENV_PY = `import os

from alembic import context
from sqlalchemy import create_engine, pool

import models

# DATABASE_URL from devup; PGOPTIONS puts the tenant's schema first on the search_path.
engine = create_engine(os.environ["DATABASE_URL"], poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=models.Base.metadata,
        version_table_schema=os.environ["DEVUP_SCHEMA"],
    )
    with context.begin_transaction():
        context.run_migrations()
`;

const model = (extra = '') => `from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Account(Base):
    __tablename__ = "accounts"
    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False)
${extra}`;

const revision = (id: string, down: string | null, up: string, undo: string) => `from alembic import op
import sqlalchemy as sa

revision = ${JSON.stringify(id)}
down_revision = ${down === null ? 'None' : JSON.stringify(down)}


def upgrade():
    ${up}


def downgrade():
    ${undo}
`;

// A generator in the manner of sqlacodegen: it reflects the migrated schema and writes a file.
const GENERATOR = `import os
import sqlalchemy as sa

engine = sa.create_engine(os.environ["DATABASE_URL"])
metadata = sa.MetaData()
metadata.reflect(bind=engine, schema=os.environ["DEVUP_SCHEMA"])
lines = ["# Generated from the migrated schema by gen_models.py: do not edit."]
for table in sorted(metadata.tables.values(), key=lambda t: t.name):
    if table.name == "alembic_version":
        continue
    lines.append("class %s:" % table.name.title())
    for column in table.columns:
        lines.append("    %s = %r" % (column.name, str(column.type)))
open("models_gen.py", "w").write("\\n".join(lines) + "\\n")
`;

const GENERATED_V1 = `# Generated from the migrated schema by gen_models.py: do not edit.
class Accounts:
    id = 'INTEGER'
    name = 'VARCHAR(100)'
`;

describe.skipIf(!available)('devup check: Alembic models, generated files and commands at head', () => {
  let ws: Workspace;
  const check = () => runCli(['check'], { cwd: ws.dir, env: { ...process.env, CI: 'true', GITHUB_ACTIONS: '' } });

  beforeAll(() => {
    ws = createWorkspace({
      'devup.config.json': JSON.stringify({
        project: 'workflows-e2e-check',
        services: {
          billing: {
            cwd: 'billing',
            migrations: {
              tool: 'alembic',
              program: [SYSTEM_PYTHON, '-m', 'alembic'],
              tenants: ['acme'],
              schema: 'billing_{tenant}',
            },
            check: {
              generated: [{ command: [SYSTEM_PYTHON, 'gen_models.py'], files: 'models_gen.py' }],
              commands: [
                [
                  SYSTEM_PYTHON,
                  '-c',
                  'import os, psycopg2; psycopg2.connect(os.environ["DATABASE_URL"]).cursor().execute("select name from accounts")',
                ],
              ],
            },
          },
        },
      }),
      'billing/alembic.ini': '[alembic]\nscript_location = %(here)s/alembic\n',
      'billing/alembic/env.py': ENV_PY,
      'billing/alembic/versions/0001_accounts.py': revision(
        '0001',
        null,
        'op.create_table("accounts", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(100), nullable=False))',
        'op.drop_table("accounts")',
      ),
      'billing/models.py': model(),
      'billing/gen_models.py': GENERATOR,
      'billing/models_gen.py': GENERATED_V1,
    });
    // As root, the throwaway server runs as "postgres", which must reach its data directory.
    chmodSync(ws.dir, 0o755);
  });
  afterAll(() => ws?.cleanup());

  it('passes when the models, the generated file and the commands agree with the migrations', async () => {
    const { code, output } = await check();
    expect(output).toMatch(/✔ billing +drift +the models match the migrated schema/);
    expect(output).toMatch(/✔ billing +generated +billing\/models_gen\.py is current/);
    expect(output).toMatch(/✔ billing +commands +1 command passed at head/);
    expect(code, output).toBe(0);
  });

  it('a model column added without a migration fails the gate, naming table, column and type', async () => {
    ws.write('billing/models.py', model('    email = Column(String(200))\n'));
    const { code, output } = await check();
    expect(output).toMatch(/✖ billing +drift +1 difference between the models and the migrations/);
    expect(output).toMatch(
      /error .*env\.py: column accounts\.email \(VARCHAR\(200\)\) is in the models, but no migration adds it/,
    );
    expect(code).toBe(1);
  });

  it('with the migration added, the generated file is out of date: its diff and the command to regenerate', async () => {
    ws.write(
      'billing/alembic/versions/0002_account_email.py',
      revision(
        '0002',
        '0001',
        'op.add_column("accounts", sa.Column("email", sa.String(200)))',
        'op.drop_column("accounts", "email")',
      ),
    );
    const { code, output } = await check();
    expect(output).toMatch(/✔ billing +drift +the models match the migrated schema/);
    expect(output).toMatch(/✖ billing +generated +billing\/models_gen\.py differs from the generator's output/);
    expect(output).toMatch(
      /billing\/models_gen\.py is out of date: regenerate it with `.*gen_models\.py` \(in billing/,
    );
    expect(output).toMatch(/^\s+\+\s+email = 'VARCHAR\(200\)'$/m);
    expect(code).toBe(1);
    // The check put the committed file back: it writes nothing into the working tree.
    expect(readFileSync(path.join(ws.dir, 'billing/models_gen.py'), 'utf8')).toBe(GENERATED_V1);
  });

  it('passes again once the file is regenerated; a failing command fails with its output', async () => {
    ws.write('billing/models_gen.py', `${GENERATED_V1}    email = 'VARCHAR(200)'\n`);
    const config = JSON.parse(readFileSync(path.join(ws.dir, 'devup.config.json'), 'utf8'));
    const passing = await check();
    expect(passing.output).toMatch(/✔ billing +generated +billing\/models_gen\.py is current/);
    expect(passing.code, passing.output).toBe(0);

    config.services.billing.check.commands.push('echo "tests: 1 failed (accounts.email)"; exit 3');
    ws.write('devup.config.json', JSON.stringify(config));
    const failing = await check();
    expect(failing.output).toMatch(/✖ billing +commands +1 of 2 commands failed/);
    expect(failing.output).toMatch(/error `echo "tests: 1 failed \(accounts\.email\)"; exit 3` failed \(exit code 3\)/);
    expect(failing.output).toMatch(/│ tests: 1 failed \(accounts\.email\)/);
    expect(failing.code).toBe(1);
  });
});
