import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { alembicAvailable, SYSTEM_PYTHON } from '../integration/tools/tool-fixtures.js';
import { ROOT, runCli, startCli } from './demo-helpers.js';

const available = alembicAvailable() || process.env.CI === 'true';

// The example as a team has it before devup: two Alembic services with a database each, an
// init script for the Postgres image, their virtualenvs; no devup config.
describe.skipIf(!available)('devup init on examples/python-alembic without its config', () => {
  const dir = path.join(ROOT, 'test/e2e/.work', `alembic-init-${randomBytes(4).toString('hex')}`);
  const env = { ...process.env, CI: 'true' };
  const devup = (...args: string[]) => runCli(args, { cwd: dir, env });
  const configFile = path.join(dir, 'devup.config.mjs');

  beforeAll(() => {
    mkdirSync(path.dirname(dir), { recursive: true });
    cpSync(path.join(ROOT, 'examples/python-alembic'), dir, {
      recursive: true,
      filter: (src) => !/[/](\.devup|\.venv|__pycache__|docs|devup\.config\.json|\.env)$/.test(src),
    });
    chmodSync(dir, 0o755); // as root, the embedded server's user must reach .devup/
    for (const service of ['billing', 'ledger', 'catalog']) {
      execFileSync(SYSTEM_PYTHON, ['-m', 'venv', '--system-site-packages', '--without-pip', `${service}/.venv`], {
        cwd: dir,
      });
    }
  });
  afterAll(async () => {
    if (existsSync(configFile)) await devup('down', '--volumes', '--yes', '--engine', 'embedded');
    rmSync(dir, { recursive: true, force: true });
  });

  it('without a terminal and without --yes: shows what it found and would write, and writes nothing', async () => {
    const gitignore = readFileSync(path.join(dir, '.gitignore'), 'utf8');
    const { code, output } = await devup('init');
    expect(code).toBe(1);
    expect(output).toContain(
      'billing (billing): alembic.ini (env.py reads SQLALCHEMY_DATABASE_URL, ALEMBIC_SCHEMA); app.py',
    );
    expect(output).toContain('catalog (catalog): alembic.ini (env.py reads SQLALCHEMY_DATABASE_URL, ALEMBIC_SCHEMA)\n');
    expect(output).toContain(
      'init scripts: db/init.sql (database billing, database ledger, database catalog, extension uuid-ossp)',
    );
    expect(output).toContain('create devup.config.mjs: 3 services: billing, catalog, ledger');
    expect(output).toContain('update .gitignore: adds .env');
    expect(output).toContain('Pass --yes to write these files.');
    expect(existsSync(configFile)).toBe(false);
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toBe(gitignore);
  });

  it('--yes writes a config that migrates every tenant of the three services and boots the two with a process, ledger calling billing', async () => {
    const written = await devup('init', '--yes');
    expect(written.code).toBe(0);
    expect(written.output).toContain('✔ Wrote devup.config.mjs, .gitignore.');
    expect(readFileSync(path.join(dir, '.gitignore'), 'utf8')).toMatch(/^\.env$/m);
    const again = await devup('init', '--yes');
    expect(again.code).toBe(1);
    expect(again.output).toContain('devup.config.mjs already exists: devup init never overwrites a config');

    // Free ports instead of the example's own (a developer's run of it may hold them): the only edit.
    const [db, billing, ledger] = [await freePort(54400), await freePort(8100), await freePort(8600)];
    const text = readFileSync(configFile, 'utf8');
    writeFileSync(
      configFile,
      text
        .replaceAll('8030', String(billing))
        .replaceAll('8031', String(ledger))
        .replace('  database: {\n', `  database: {\n    port: ${db},\n`),
    );

    // What devup init wrote for the team's own files: the init script as the image runs it,
    // ledger's asyncpg URL and billing's address under ledger's own variable name.
    const config = readFileSync(configFile, 'utf8');
    expect(config).toContain("init: 'db/init.sql'");
    expect(config).toContain("LEDGER_DATABASE_URL: '{url:asyncpg}'");
    expect(config).toContain("BILLING_SERVICE_URL: '{service.billing.url}'");

    const migrate = await devup('migrate', '--engine', 'embedded');
    expect(migrate.output).toContain('init db/init.sql');
    expect(migrate.output).toMatch(/billing_default applied 2 \(a1f3c2d4e5b6, b7e9d0c1a2f3\)/);
    expect(migrate.output).toMatch(/ledger_default applied 1 \(c4d5e6f7a8b9\)/);
    expect(migrate.code).toBe(0);

    const cli = startCli(['dev', '--engine', 'embedded'], { cwd: dir, env });
    try {
      await cli.waitFor(/All services ready/, 120_000);
      const response = await fetch(`http://127.0.0.1:${ledger}/tenants/default/summary`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ tenant: 'default', accounts: 0, entries: 0 });
      expect(cli.output()).toMatch(/billing \| GET \/tenants\/default\/accounts 200/);
    } finally {
      cli.child.kill('SIGINT');
      await cli.exited;
    }
  });
});
