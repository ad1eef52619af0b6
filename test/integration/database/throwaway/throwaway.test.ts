import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionUrl, withClient } from '../../../../src/database/connection/connection.js';
import { type ThrowawayDatabase, withThrowawayDatabase } from '../../../../src/database/throwaway/throwaway.js';
import { InterruptedError } from '../../../../src/errors.js';
import { runMigrationStep } from '../../../../src/migrations/step/migration-step.js';
import { isPortFree } from '../../../../src/ports.js';
import { createWorkspace, type Workspace } from '../../../helpers/workspace.js';
import { testServer } from '../../helpers/database.js';
import { dockerClient, dockerStatus, requireDocker, TEST_IMAGE } from '../../helpers/docker.js';

let ws: Workspace;

beforeAll(() => {
  ws = createWorkspace({
    'orders/migrations/0001_orders.sql': 'create table orders (id int primary key);\n',
    'auth/migrations/0001_users.sql': 'create table users (id int primary key);\n',
  });
});
afterAll(() => ws?.cleanup());

function projectConfig(env: NodeJS.ProcessEnv = {}) {
  return ws.config(
    {
      project: 'throwaway-test',
      database: { image: TEST_IMAGE },
      services: {
        orders: { cwd: 'orders', migrations: { dir: 'migrations', tenants: ['acme'], schema: 'orders_{tenant}' } },
        auth: { cwd: 'auth', database: 'auth', migrations: { dir: 'migrations' } },
      },
    },
    env,
  );
}

async function tableNames(db: ThrowawayDatabase, database?: string): Promise<string[]> {
  return withClient(
    db.connection,
    async (client) =>
      (
        await client.query<{ name: string }>(
          "select schemaname || '.' || tablename as name from pg_tables where tablename in ('orders', 'users') order by 1",
        )
      ).rows.map((r) => r.name),
    database ? { database } : {},
  );
}

describe('embedded', () => {
  it('boots a new cluster in a temp directory, migrates it through the usual step, and removes it', async () => {
    const config = projectConfig();
    let seen: { dataDir: string; port: number } | undefined;
    const tables = await withThrowawayDatabase(config, { engine: 'embedded' }, async (db) => {
      seen = { dataDir: path.dirname(db.config.stateDir), port: db.connection.port };
      expect(db.config.stateDir).not.toBe(config.stateDir);
      expect(db.connection.port).not.toBe(config.database.port);
      expect(existsSync(seen.dataDir)).toBe(true);
      const step = await runMigrationStep(db.config, db.connection);
      expect(step.failure).toBeUndefined();
      return [...(await tableNames(db)), ...(await tableNames(db, 'auth'))];
    });
    expect(tables).toEqual(['orders_acme.orders', 'auth_default.users']);
    expect(seen && existsSync(seen.dataDir)).toBe(false);
    expect(seen && (await isPortFree(seen.port))).toBe(true);
    // The project's own state (which engine holds the dev data) was not touched.
    expect(existsSync(path.join(config.stateDir, 'engine.json'))).toBe(false);
  });

  it('is removed when the callback throws, and the error comes through', async () => {
    let dataDir = '';
    await expect(
      withThrowawayDatabase(projectConfig(), { engine: 'embedded' }, async (db) => {
        dataDir = path.dirname(db.config.stateDir);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(dataDir).not.toBe('');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('is removed when interrupted while the callback still runs', async () => {
    const controller = new AbortController();
    let dataDir = '';
    const never = new Promise<never>(() => {});
    await expect(
      withThrowawayDatabase(projectConfig(), { engine: 'embedded', signal: controller.signal }, async (db) => {
        dataDir = path.dirname(db.config.stateDir);
        controller.abort(new InterruptedError());
        return never;
      }),
    ).rejects.toBeInstanceOf(InterruptedError);
    expect(dataDir).not.toBe('');
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('external', () => {
  it('creates fresh databases on the server (service databases renamed) and drops them afterwards', async () => {
    const server = testServer();
    const config = projectConfig({ DATABASE_URL: connectionUrl(server) });
    const names = await withThrowawayDatabase(config, { engine: 'external' }, async (db) => {
      expect(db.connection.database).toMatch(/^devup_throwaway_/);
      const auth = db.config.services.find((s) => s.name === 'auth')?.database ?? '';
      expect(auth).toBe(`${db.connection.database}_auth`);
      const step = await runMigrationStep(db.config, db.connection);
      expect(step.failure).toBeUndefined();
      expect(await tableNames(db, auth)).toEqual(['auth_default.users']);
      return [db.connection.database, auth];
    });
    const left = await withClient(server, async (client) =>
      (await client.query('select datname from pg_database where datname = any($1)', [names])).rows.map(
        (r) => r.datname,
      ),
    );
    expect(left).toEqual([]);
    // No database named plainly "auth" was created on the shared server.
    const plain = await withClient(server, (c) => c.query("select 1 from pg_database where datname = 'auth'"));
    expect(plain.rowCount).toBe(0);
  });
});

describe('docker', async () => {
  const status = await dockerStatus();
  it.skipIf(!status.available && !requireDocker)(
    `runs a container of its own and removes it with its volume ${status.reason}`,
    async () => {
      const config = projectConfig();
      let container = '';
      await withThrowawayDatabase(config, { engine: 'docker' }, async (db) => {
        container = db.description.split(' ')[1] ?? '';
        expect(container).toMatch(/^throwaway-test-throwaway-[0-9a-f]{8}-postgres$/);
        const step = await runMigrationStep(db.config, db.connection);
        expect(step.failure).toBeUndefined();
        expect(await tableNames(db)).toEqual(['orders_acme.orders']);
      });
      const docker = dockerClient();
      const containers = await docker.listContainers({ all: true, filters: { name: [container] } });
      expect(containers).toEqual([]);
      const { Volumes } = await docker.listVolumes();
      expect((Volumes ?? []).filter((v) => v.Name.startsWith(container.replace(/-postgres$/, '')))).toEqual([]);
    },
  );
});
