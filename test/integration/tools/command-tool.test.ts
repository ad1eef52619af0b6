import { readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import type { ResolvedConfig, ServiceSettings } from '../../../src/config/types.js';
import { type ConnectionInfo, connect } from '../../../src/database/connection/connection.js';
import { InterruptedError } from '../../../src/errors.js';
import { withAdvisoryLock } from '../../../src/migrations/lock.js';
import type { TargetBase } from '../../../src/migrations/targets.js';
import { FINGERPRINT_FILE } from '../../../src/migrations/tools/fingerprint-store.js';
import { checkToolTarget, runToolTarget } from '../../../src/migrations/tools/tool-runner.js';
import { processesUnder } from '../../helpers/processes.js';
import type { Workspace } from '../../helpers/workspace.js';
import { tableExists } from './tool-fixtures.js';
import { commandMigrator, withToolProject } from './tool-project.js';

describe('a command tool, decided by its fingerprint', () => {
  let db: ConnectionInfo & { drop(): Promise<void> };
  let client: pg.Client;
  let ws: Workspace;
  let config: ResolvedConfig;
  let service: ServiceSettings;
  let target: TargetBase;

  const check = () => checkToolTarget(config, service, target, db, client);
  const run = (signal?: AbortSignal, onOutput: (line: string) => void = () => {}) =>
    runToolTarget(config, service, target, db, { onOutput, ...(signal ? { signal } : {}) });
  let migrator: ReturnType<typeof commandMigrator>;
  const runs = () => migrator.runs();

  withToolProject(
    (workspace) => {
      migrator = commandMigrator(workspace);
      return {
        project: 'tools-command',
        service: 'reports',
        migrations: {
          tool: 'command',
          command: ['node', 'scripts/migrate.cjs'],
          dir: 'sql',
          tenants: ['acme'],
          schema: 'reports_{tenant}',
        },
      };
    },
    (project) => {
      ({ db, client, ws, config, service } = project);
      target = project.targets[0] as TargetBase;
    },
  );

  it('runs the first time, records a fingerprint, then skips without spawning', async () => {
    expect(await check()).toEqual({ upToDate: false, pending: ['(not run by devup yet)'] });
    expect(await run()).toEqual([]);
    expect(await tableExists(client, 'reports_acme.reports')).toBe(true);
    const store = JSON.parse(readFileSync(path.join(config.stateDir, FINGERPRINT_FILE), 'utf8'));
    expect(Object.keys(store.targets)).toEqual(['/reports_acme/reports']);
    expect(await check()).toEqual({ upToDate: true, pending: [] });
    expect(runs()).toBe(1);
  });

  it('runs again when a file in its dir changes', async () => {
    ws.write('reports/sql/002_rows.sql', 'create table if not exists report_rows (id int primary key);');
    expect(await check()).toEqual({ upToDate: false, pending: ['(migration files changed)'] });
    await run();
    expect(await tableExists(client, 'reports_acme.report_rows')).toBe(true);
    expect(await check()).toEqual({ upToDate: true, pending: [] });
  });

  it('runs again when its schema was dropped and re-created (a reset), though no file changed', async () => {
    await client.query('drop schema reports_acme cascade; create schema reports_acme');
    expect(await check()).toEqual({ upToDate: false, pending: ['(database re-created)'] });
    await run();
    expect(await tableExists(client, 'reports_acme.report_rows')).toBe(true);
    expect((await check()).upToDate).toBe(true);
    expect(runs()).toBe(3);
  });

  it('stops the tool on abort and forgets the fingerprint', async () => {
    ws.write('reports/sql/003_slow.sql', '-- slow\nselect 1;');
    const controller = new AbortController();
    const output: string[] = [];
    const running = run(controller.signal, (line) => output.push(line));
    running.catch(() => {});
    // Abort once the migrator is inside its 30 s migration, not at a guessed moment.
    await vi.waitFor(() => expect(output.join('\n')).toContain('applying 003_slow.sql'), {
      timeout: 30_000,
      interval: 20,
    });
    controller.abort();
    await expect(running).rejects.toBeInstanceOf(InterruptedError);
    expect(processesUnder(ws.dir)).toEqual([]); // stopped, not left to finish its 30 s
    ws.remove('reports/sql/003_slow.sql');
    expect(await check()).toEqual({ upToDate: false, pending: ['(not run by devup yet)'] });
  });

  it('waits while another session holds the schema lock', async () => {
    const other = await connect(db);
    let release: (() => void) | undefined;
    const held = withAdvisoryLock(other, 'reports_acme', () => new Promise<void>((resolve) => (release = resolve)));
    await vi.waitFor(() => expect(release).toBeDefined());
    const output: string[] = [];
    const before = runs();
    const running = runToolTarget(config, service, target, db, { onOutput: (line) => output.push(line) });
    await vi.waitFor(() =>
      expect(output.join('\n')).toMatch(/waiting for pid \d+ \(devup\).* to finish migrating reports_acme/),
    );
    expect(runs()).toBe(before);
    release?.();
    await held;
    await running;
    expect(runs()).toBe(before + 1);
    await other.end();
  });
});
