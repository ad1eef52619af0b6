import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { alembicAvailable, SYSTEM_PYTHON } from '../integration/tools/tool-fixtures.js';
import { ROOT, runCli, startCli } from './demo-helpers.js';

// CI installs python3-alembic and python3-venv; elsewhere a machine without them skips.
const available = alembicAvailable() || process.env.CI === 'true';

/** The example's JSON status: one object with every target. */
function statusOf(output: string, service = 'billing') {
  const status = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as {
    targets: {
      service: string;
      schema: string;
      database: string;
      current: string[];
      pending: { version: string; name: string }[] | null;
    }[];
  };
  return { targets: status.targets.filter((t) => t.service === service) };
}

// The example as a user has it: Debian's python3 + psycopg2 + asyncpg + Alembic in virtualenvs
// that see the system packages; two services with two tenants each, each in the database that
// the Postgres-image-style init script creates; ledger reads its database through asyncpg
// ({url:asyncpg}) and calls billing under its own variable name ({service.billing.url}); on free
// ports instead of the example's 54330, 8030 and 8031, which a developer's own run may hold.
describe.skipIf(!available)('examples/python-alembic on the embedded engine', () => {
  const dir = path.join(ROOT, 'test/e2e/.work', `alembic-${randomBytes(4).toString('hex')}`);
  const env = { ...process.env, CI: 'true' };
  const devup = (...args: string[]) => runCli([...args, '--engine', 'embedded'], { cwd: dir, env });
  let revision = '';
  let appPort = 0;
  let ledgerPort = 0;

  beforeAll(async () => {
    mkdirSync(path.dirname(dir), { recursive: true });
    cpSync(path.join(ROOT, 'examples/python-alembic'), dir, {
      recursive: true,
      filter: (src) => !/[/](\.devup|\.venv|__pycache__)$/.test(src),
    });
    chmodSync(dir, 0o755); // as root, the embedded server's user must reach .devup/
    const configFile = path.join(dir, 'devup.config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8'));
    config.database.port = await freePort(54400);
    appPort = await freePort(8100);
    config.services.billing.port = appPort;
    ledgerPort = await freePort(8600);
    config.services.ledger.port = ledgerPort;
    writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
    for (const service of ['billing', 'ledger', 'catalog']) {
      execFileSync(SYSTEM_PYTHON, ['-m', 'venv', '--system-site-packages', '--without-pip', `${service}/.venv`], {
        cwd: dir,
      });
    }
  });
  afterAll(async () => {
    await devup('down', '--volumes', '--yes');
    rmSync(dir, { recursive: true, force: true });
  });

  it('migrate: the init script makes the three databases and the extension, then every tenant migrates', async () => {
    const { code, output } = await devup('migrate');
    expect(output).toContain('init db/init.sql');
    expect(output).toMatch(/billing_acme applied 2 \(a1f3c2d4e5b6, b7e9d0c1a2f3\)/);
    expect(output).toMatch(/billing_globex applied 2 \(a1f3c2d4e5b6, b7e9d0c1a2f3\)/);
    expect(output).toMatch(/ledger_acme applied 1 \(c4d5e6f7a8b9\)/);
    expect(output).toMatch(/ledger_globex applied 1 \(c4d5e6f7a8b9\)/);
    // catalog: the revision that creates its 120 models' tables, in each of three tenants.
    for (const tenant of ['acme', 'globex', 'initech'])
      expect(output).toMatch(new RegExp(`catalog_${tenant} applied 1 \\(d1e2f3a4b5c6\\)`));
    expect(code).toBe(0);
    const status = await devup('migrate', 'status', '--json');
    expect(statusOf(status.output, 'ledger').targets.map((t) => [t.schema, t.database])).toEqual([
      ['ledger_acme', 'ledger'],
      ['ledger_globex', 'ledger'],
    ]);
    // Once per cluster: the next run has nothing to set up.
    expect((await devup('migrate')).output).not.toContain('init db/init.sql');
  });

  it('new migration: alembic revision -m in billing/, and status --json shows it pending', async () => {
    const created = await devup('new', 'migration', 'billing', 'add_account_email');
    expect(created.code).toBe(0);
    const file = /Created (billing\/migrations\/versions\/([0-9a-f]+)_add_account_email\.py)/.exec(created.output);
    expect(file).not.toBeNull();
    revision = file?.[2] as string;
    const source = readFileSync(path.join(dir, file?.[1] as string), 'utf8');
    expect(source).toContain("down_revision = 'b7e9d0c1a2f3'");
    writeFileSync(
      path.join(dir, file?.[1] as string),
      source
        .replace(
          'def upgrade() -> None:\n    pass',
          'def upgrade() -> None:\n    op.execute("ALTER TABLE accounts ADD COLUMN email text")',
        )
        .replace(
          'def downgrade() -> None:\n    pass',
          'def downgrade() -> None:\n    op.execute("ALTER TABLE accounts DROP COLUMN email")',
        ),
    );

    const status = await devup('migrate', 'status', '--json');
    expect(status.code).toBe(0);
    for (const target of statusOf(status.output).targets) {
      expect(target.current).toEqual(['b7e9d0c1a2f3']);
      expect(target.pending).toEqual([{ version: revision, name: `${revision}_add_account_email` }]);
    }
  });

  it('migrate --dry-run: the SQL alembic would run for the tenant, and nothing applied', async () => {
    const { code, output } = await devup('migrate', '--dry-run', '--tenant', 'acme');
    expect(code).toBe(0);
    expect(output).toContain(`-- billing_acme: alembic upgrade --sql b7e9d0c1a2f3:head (pending: ${revision})`);
    expect(output).toContain('SET search_path TO "billing_acme", public;');
    expect(output).toContain('ALTER TABLE accounts ADD COLUMN email text;');
    expect(output).toContain(`UPDATE billing_acme.alembic_version SET version_num='${revision}'`);
    const status = statusOf((await devup('migrate', 'status', '--json')).output);
    expect(status.targets.map((t) => t.pending?.length)).toEqual([1, 1]);
  });

  it('migrate down: asks (and refuses without a terminal), then runs alembic downgrade per tenant', async () => {
    expect((await devup('migrate')).code).toBe(0);
    const refused = await devup('migrate', 'down', '--service', 'billing', '--steps', '1');
    expect(refused.code).toBe(1);
    expect(refused.output).toContain(`billing_acme: ${revision}   (alembic downgrade b7e9d0c1a2f3)`);
    expect(refused.output).toContain('Pass --yes to confirm.');
    expect(statusOf((await devup('migrate', 'status', '--json')).output).targets.map((t) => t.pending)).toEqual([
      [],
      [],
    ]);

    const down = await devup('migrate', 'down', '--service', 'billing', '--steps', '1', '--yes');
    expect(down.code).toBe(0);
    expect(down.output).toContain(`✔ billing_acme: rolled back ${revision}`);
    expect(down.output).toContain(`✔ billing_globex: rolled back ${revision}`);
    for (const target of statusOf((await devup('migrate', 'status', '--json')).output).targets) {
      expect(target.current).toEqual(['b7e9d0c1a2f3']);
      expect(target.pending?.map((p) => p.version)).toEqual([revision]);
    }
  });

  it('dev: billing reads its tenant schema; ledger reads its own through asyncpg and calls billing', async () => {
    const cli = startCli(['dev', '--engine', 'embedded'], { cwd: dir, env });
    try {
      await cli.waitFor(/All services ready/, 120_000);
      const response = await fetch(`http://127.0.0.1:${appPort}/tenants/acme/accounts`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual([]);
      const summary = await fetch(`http://127.0.0.1:${ledgerPort}/tenants/acme/summary`);
      expect(summary.status).toBe(200);
      expect(await summary.json()).toEqual({ tenant: 'acme', accounts: 0, entries: 0 });
    } finally {
      cli.child.kill('SIGINT');
      await cli.exited;
    }
  });
});
