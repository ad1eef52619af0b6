import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { connectionUrl, withClient } from '../../../../src/database/connection/connection.js';
import { removeStaleTempDirs } from '../../../../src/database/throwaway/leftovers.js';
import { withThrowawayDatabase } from '../../../../src/database/throwaway/throwaway.js';
import { processStart } from '../../../../src/process-identity.js';
import { createWorkspace, type Workspace } from '../../../helpers/workspace.js';
import { testServer } from '../../helpers/database.js';
import { dockerClient, dockerStatus, removeTestResources, requireDocker, TEST_IMAGE } from '../../helpers/docker.js';

// The holders run the built devup (dist): `npm run build` first.
const fixture = path.resolve(import.meta.dirname, '../../../fixtures/hold-throwaway.mjs');
const project = `devup-stale-${randomBytes(3).toString('hex')}`;
const ws: Workspace = createWorkspace({});
const holders: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const kill of holders) await kill();
  // The holders' temp directories (their owners are gone by now).
  removeStaleTempDirs();
  ws.cleanup();
});

/** Starts a process holding a throwaway; resolves once it is ready, with where it lives. */
async function holdThrowaway(engine: 'docker' | 'embedded' | 'external') {
  const url = engine === 'external' ? [connectionUrl(testServer())] : [];
  const child = spawn(process.execPath, [fixture, engine, project, TEST_IMAGE, ...url], {
    cwd: ws.dir,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const ready = await vi.waitFor(
    () => {
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) throw new Error('not ready yet');
      return JSON.parse(line) as { description: string; dir: string };
    },
    { timeout: 120_000, interval: 50 },
  );
  const kill = async () => {
    child.kill('SIGKILL');
    await exited;
  };
  holders.push(kill);
  return { ...ready, kill };
}

function postmasterPid(dir: string): number {
  return Number.parseInt(readFileSync(path.join(dir, 'cluster', 'data', 'postmaster.pid'), 'utf8'), 10);
}

const config = (database: Record<string, unknown> = {}) =>
  ws.config({ project, database: { image: TEST_IMAGE, ...database }, services: { app: { command: 'true' } } });

describe('embedded', () => {
  it('a cluster left by a killed run is stopped and removed by the next throwaway; a live run keeps its own', async () => {
    const dead = await holdThrowaway('embedded');
    const live = await holdThrowaway('embedded');
    const deadServer = postmasterPid(dead.dir);
    await dead.kill();
    // Killed outright, nothing of it went: the directory and its server.
    expect(existsSync(dead.dir)).toBe(true);
    expect(processStart(deadServer)).toBeDefined();

    await withThrowawayDatabase(config(), { engine: 'embedded' }, async () => {});
    expect(existsSync(dead.dir)).toBe(false);
    await vi.waitFor(() => expect(processStart(deadServer)).toBeUndefined(), { timeout: 60_000, interval: 50 });
    expect(existsSync(live.dir)).toBe(true);
    expect(processStart(postmasterPid(live.dir))).toBeDefined();
    await live.kill();
    await withThrowawayDatabase(config(), { engine: 'embedded' }, async () => {});
    expect(existsSync(live.dir)).toBe(false);
  }, 300_000);
});

describe('external', () => {
  it('a database left by a killed run is dropped by the next throwaway on that server; a live run keeps its own', async () => {
    const server = testServer();
    const databases = () =>
      withClient(
        server,
        async (c) => (await c.query<{ datname: string }>('select datname from pg_database')).rows,
      ).then((rows) => rows.map((r) => r.datname));
    const dead = await holdThrowaway('external');
    const live = await holdThrowaway('external');
    const deadName = dead.description.split(' ')[1] ?? '';
    const liveName = live.description.split(' ')[1] ?? '';
    await dead.kill();
    expect(await databases()).toContain(deadName);

    await withThrowawayDatabase(
      config({ engine: 'external', url: connectionUrl(server) }),
      { engine: 'external' },
      async () => {},
    );
    expect(await databases()).not.toContain(deadName);
    expect(await databases()).toContain(liveName);
    await live.kill();
    await withThrowawayDatabase(
      config({ engine: 'external', url: connectionUrl(server) }),
      { engine: 'external' },
      async () => {},
    );
    expect(await databases()).not.toContain(liveName);
  });
});

describe('docker', async () => {
  const status = await dockerStatus();
  afterAll(async () => {
    if (status.available) await removeTestResources(`${project}-throwaway-`);
  });
  it.skipIf(!status.available && !requireDocker)(
    `a container left by a killed run is removed with its volume by the next throwaway; a live run keeps its own ${status.reason}`,
    async () => {
      const docker = dockerClient();
      const names = async () =>
        (await docker.listContainers({ all: true })).map((c) => c.Names[0]?.replace(/^\//, '') ?? '');
      const volumes = async () => ((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name);
      const dead = await holdThrowaway('docker');
      const live = await holdThrowaway('docker');
      const deadContainer = dead.description.split(' ')[1] ?? '';
      const liveContainer = live.description.split(' ')[1] ?? '';
      await dead.kill();
      expect(await names()).toContain(deadContainer);

      await withThrowawayDatabase(config(), { engine: 'docker' }, async () => {});
      expect(await names()).not.toContain(deadContainer);
      expect(await volumes()).not.toContain(deadContainer.replace(/-postgres$/, '-pgdata'));
      expect(await names()).toContain(liveContainer);
      expect(await volumes()).toContain(liveContainer.replace(/-postgres$/, '-pgdata'));
      await live.kill();
    },
    300_000,
  );
});
