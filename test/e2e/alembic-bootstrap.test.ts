import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { alembicAvailable, copyFixture, SYSTEM_PYTHON } from '../integration/tools/tool-fixtures.js';
import { runCli } from './demo-helpers.js';

// CI installs python3-alembic and python3-psycopg2; elsewhere a machine without them skips.
const available = alembicAvailable() || process.env.CI === 'true';
const env = { ...process.env, CI: 'true', GITHUB_ACTIONS: '' };

describe.skipIf(!available)("migrations.bootstrap: 'schema' on Alembic through the built CLI", () => {
  let ws: Workspace;
  const devup = (...args: string[]) => runCli(args, { cwd: ws.dir, env });
  const snapshot = () => path.join(ws.dir, 'docs/database/billing.sql');

  beforeAll(async () => {
    ws = createWorkspace({
      'devup.config.json': JSON.stringify({
        project: 'workflows-e2e-alembic-bootstrap',
        database: { engine: 'embedded', port: await freePort(62100) },
        services: {
          billing: {
            cwd: 'billing',
            migrations: {
              tool: 'alembic',
              program: ['../bin/alembic'],
              tenants: ['acme'],
              schema: 'billing_{tenant}',
              bootstrap: 'schema',
            },
          },
        },
      }),
    });
    copyFixture('alembic', path.join(ws.dir, 'billing'));
    // Logs each subcommand alembic is started with, so the test sees the stamp.
    ws.write(
      'bin/alembic',
      `#!/bin/sh\necho "$@" >> "${path.join(ws.dir, 'alembic.log')}"\nexec ${SYSTEM_PYTHON} -m alembic "$@"\n`,
    );
    chmodSync(path.join(ws.dir, 'bin/alembic'), 0o755);
    chmodSync(ws.dir, 0o755);
  });
  afterAll(async () => {
    if (!ws) return;
    await devup('down', '--volumes', '--yes');
    ws.cleanup();
  });

  it('devup schema seals the head; devup check proves the snapshot; migrate builds the tenant from it', async () => {
    const schema = await devup('schema');
    expect(schema.code, schema.output).toBe(0);
    expect(readFileSync(snapshot(), 'utf8')).toMatch(/-- devup:alembic-head 0003\n-- devup:snapshot [0-9a-f]{64}\n$/);

    const check = await devup('check');
    expect(check.output).toMatch(/bootstrap.*docs\/database\/billing\.sql builds the schema the migrations build/);
    expect(check.code, check.output).toBe(0);

    writeFileSync(path.join(ws.dir, 'alembic.log'), '');
    const migrate = await devup('migrate');
    expect(migrate.code, migrate.output).toBe(0);
    expect(migrate.output).toMatch(/billing_acme applied 3 \(0001 … 0003\)/);
    // Built from the snapshot: stamped at its head, then upgraded (nothing newer), no replay.
    expect(readFileSync(path.join(ws.dir, 'alembic.log'), 'utf8')).toBe('stamp 0003\nupgrade head\n');
    const status = await devup('migrate', 'status', '--json');
    expect(status.code, status.output).toBe(0);
    expect(status.output).toContain('0003');
    expect(status.output).not.toMatch(/"pending":\s*\[\s*"/);
  });

  it('devup check fails a snapshot edited by hand, naming why', async () => {
    const sealed = readFileSync(snapshot(), 'utf8');
    writeFileSync(snapshot(), sealed.replace('CREATE TABLE', 'CREATE UNLOGGED TABLE'));
    try {
      const check = await devup('check');
      expect(check.output).toMatch(/cannot build it from .*billing\.sql: it was changed after `devup schema` wrote it/);
      expect(check.code).not.toBe(0);
    } finally {
      writeFileSync(snapshot(), sealed);
    }
  });
});
