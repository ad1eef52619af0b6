import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseSettings } from '../../../../src/config/types.js';
import { withClient } from '../../../../src/database/connection/connection.js';
import { DockerEngine } from '../../../../src/database/docker/docker-engine.js';
import { LABEL } from '../../../../src/database/docker/labels.js';
import { freePort } from '../../../helpers/ports.js';
import { dockerClient, dockerStatus, removeTestResources, requireDocker, TEST_IMAGE } from '../../helpers/docker.js';

const status = await dockerStatus();
const PREFIX = `devupt${randomBytes(3).toString('hex')}`;
const sink = { notice: () => {} };

async function settings(overrides: Partial<DatabaseSettings> = {}): Promise<DatabaseSettings> {
  return {
    engine: 'docker',
    image: TEST_IMAGE,
    statStatements: false,
    port: await freePort(57000, 2000),
    user: 'app',
    password: 'first-password',
    database: 'app',
    bind: '127.0.0.1',
    url: undefined,
    dataDir: '',
    readyTimeoutMs: 30_000,
    ...overrides,
  };
}

it.runIf(requireDocker)('CI has a Docker engine and the test image', () => {
  expect(status.reason).toBe('');
});

describe.skipIf(!status.available)(`Docker engine${status.available ? '' : ` (skipped: ${status.reason})`}`, () => {
  afterAll(() => removeTestResources(PREFIX));

  describe('lifecycle of one project', () => {
    const project = `${PREFIX}-life`;
    let db: DatabaseSettings;
    beforeAll(async () => {
      db = await settings();
    });

    it('creates a labelled container on 127.0.0.1 with a named volume, ready for select 1', async () => {
      const engine = new DockerEngine(project, db);
      const running = await engine.start(sink);
      expect(running.action).toBe('created');
      const info = await dockerClient().getContainer(`${project}-postgres`).inspect();
      expect(info.Config.Labels?.[LABEL.project]).toBe(project);
      expect(info.Config.Labels?.[LABEL.optionsHash]).toMatch(/^[0-9a-f]{16}$/);
      expect(info.HostConfig.PortBindings?.['5432/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(db.port) }]);
      expect(info.Mounts.find((m) => m.Name === `${project}-pgdata`)?.Destination).toBe('/var/lib/postgresql/data');
      const volume = await dockerClient().getVolume(`${project}-pgdata`).inspect();
      expect(volume.Labels?.[LABEL.project]).toBe(project);
      await withClient(running.connection, (c) => c.query('create table kept (id int); insert into kept values (42)'));
    });

    it('reuses the running container', async () => {
      const running = await new DockerEngine(project, db).start(sink);
      expect(running.action).toBe('reused');
    });

    it('starts a stopped container, data intact', async () => {
      const engine = new DockerEngine(project, db);
      expect(await engine.stop()).toBe('stopped');
      expect((await engine.status()).state).toBe('stopped');
      const running = await engine.start(sink);
      expect(running.action).toBe('started');
      const { rows } = await withClient(running.connection, (c) => c.query('select id from kept'));
      expect(rows).toEqual([{ id: 42 }]);
    });

    it('recreates the container on the same volume when a safe option (the port) changes', async () => {
      const notices: string[] = [];
      db = { ...db, port: await freePort(57000, 2000) };
      const running = await new DockerEngine(project, db).start({ notice: (m) => notices.push(m) });
      expect(notices.join()).toMatch(/Recreating .* on the same volume \(database\.port: \d+ → \d+\)/);
      const { rows } = await withClient(running.connection, (c) => c.query('select id from kept'));
      expect(rows).toEqual([{ id: 42 }]);
    });

    it('refuses a change of Postgres major version, saying what changed and what to run', async () => {
      const error = await new DockerEngine(project, { ...db, image: 'postgres:16' }).start(sink).catch((e) => e);
      expect(error.message).toBe(
        `database.image changed from Postgres 15 to 16; the volume ${project}-pgdata holds Postgres 15 data`,
      );
      expect(error.hint).toMatch(/devup reset/);
    });

    it('explains a new password or user for a volume initialised with the old ones, and recreates nothing', async () => {
      const before = await dockerClient().getContainer(`${project}-postgres`).inspect();
      const error = await new DockerEngine(project, { ...db, password: 'new-password' }).start(sink).catch((e) => e);
      expect(error.message).toBe(
        `database.password changed, but the volume ${project}-pgdata was initialised with the old value`,
      );
      expect(error.hint).toMatch(/Put the old value back in the config, or run `devup reset`/);
      expect(`${error.message}${error.hint}`).not.toContain('new-password');
      const user = await new DockerEngine(project, { ...db, user: 'other' }).start(sink).catch((e) => e);
      expect(user.message).toMatch(/^database\.user: app → other, but the volume/);
      // The container was left as it was, and still answers with the old credentials.
      const after = await dockerClient().getContainer(`${project}-postgres`).inspect();
      expect(after.Id).toBe(before.Id);
      expect((await new DockerEngine(project, db).start(sink)).action).toBe('reused');
    });

    it('lists only its own container and volume for destruction, then destroys them', async () => {
      const engine = new DockerEngine(project, db);
      const items = await engine.listDestroyable();
      expect(items.map((i) => `${i.kind}:${i.name}`)).toEqual([
        `container:${project}-postgres`,
        `volume:${project}-pgdata`,
      ]);
      await engine.destroy();
      expect(await engine.listDestroyable()).toEqual([]);
    });
  });

  it('says which program holds a taken port and suggests database.port', async () => {
    const db = await settings();
    const server = net.createServer().listen(db.port, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const error = await new DockerEngine(`${PREFIX}-port`, db).start(sink).catch((e) => e);
      // The test process holds it: named with its pid, and how to stop it.
      expect(error.message).toMatch(
        new RegExp(`^port ${db.port} is already in use by node .*\\(pid ${process.pid}\\)$`),
      );
      expect(error.hint).toContain(`kill ${process.pid}`);
      expect(error.hint).toMatch(/database\.port/);
    } finally {
      server.close();
    }
  });

  it('names the container that holds the port when it is a Docker container', async () => {
    const db = await settings();
    await new DockerEngine(`${PREFIX}-holder`, db).start(sink);
    const error = await new DockerEngine(`${PREFIX}-other`, db).start(sink).catch((e) => e);
    expect(error.message).toBe(`port ${db.port} is already in use by the Docker container ${PREFIX}-holder-postgres`);
  });

  it('never touches a container or volume with its name that it did not create', async () => {
    const project = `${PREFIX}-foreign`;
    const docker = dockerClient();
    await docker.createVolume({ Name: `${project}-pgdata` });
    await docker.createContainer({ name: `${project}-postgres`, Image: TEST_IMAGE, Env: ['POSTGRES_PASSWORD=x'] });
    const engine = new DockerEngine(project, await settings());
    const error = await engine.start(sink).catch((e) => e);
    expect(error.message).toBe(
      `a container named ${project}-postgres exists, but devup did not create it for project "${project}"`,
    );
    await expect(engine.listDestroyable()).rejects.toThrow(/devup did not create it/);
    await expect(engine.destroy()).rejects.toThrow(/devup did not create it/);
    await docker.getContainer(`${project}-postgres`).remove({ force: true, v: true });
    await expect(engine.start(sink)).rejects.toThrow(
      `a volume named ${project}-pgdata exists, but devup did not create it`,
    );
    expect((await docker.getVolume(`${project}-pgdata`).inspect()).Name).toBe(`${project}-pgdata`);
  });

  it('status does not take a running container of its name that it did not create for its Postgres', async () => {
    const project = `${PREFIX}-impostor`;
    const docker = dockerClient();
    const container = await docker.createContainer({
      name: `${project}-postgres`,
      Image: TEST_IMAGE,
      Env: ['POSTGRES_PASSWORD=x'],
    });
    await container.start();
    const engine = new DockerEngine(project, await settings());
    const seen = await engine.status();
    expect(seen).toEqual({
      engine: 'docker',
      state: 'absent',
      description: `no container of devup's: a container named ${project}-postgres exists, but devup did not create it for project "${project}" (devup never touches it)`,
      port: undefined,
    });
    await container.remove({ force: true, v: true });
  });

  it('reads the server log when the volume holds another major version', async () => {
    const project = `${PREFIX}-major`;
    const db = await settings();
    const engine = new DockerEngine(project, db);
    await engine.start(sink);
    await engine.stop();
    // Pretend the volume was written by Postgres 14.
    const docker = dockerClient();
    const fixer = await docker.createContainer({
      Image: TEST_IMAGE,
      Entrypoint: ['sh', '-c', 'echo 14 > /var/lib/postgresql/data/PG_VERSION'],
      HostConfig: { Mounts: [{ Type: 'volume', Source: `${project}-pgdata`, Target: '/var/lib/postgresql/data' }] },
    });
    await fixer.start();
    await fixer.wait();
    await fixer.remove();
    const error = await engine.start(sink).catch((e) => e);
    expect(error.message).toBe(`the data volume holds Postgres 14 data, but ${TEST_IMAGE} runs Postgres 15`);
    expect(error.hint).toMatch(/postgres:14/);
  });

  it('names the image it could not pull, and the way out', async () => {
    // Nothing listens on port 1: the pull fails at once, with no registry traffic leaving the machine.
    const image = '127.0.0.1:1/devup/missing:1';
    const notices: string[] = [];
    const error = await new DockerEngine(`${PREFIX}-pull`, await settings({ image }))
      .start({ notice: (m) => notices.push(m) })
      .catch((e) => e);
    expect(notices).toContain(`Pulling ${image} (first run only)...`);
    expect(error.message).toMatch(new RegExp(`^could not pull the image ${image.replaceAll('.', '\\.')}: `));
    expect(error.hint).toMatch(/database\.image/);
  });

  it('a second checkout with the same project name neither reuses nor resets the first one', async () => {
    const project = `${PREFIX}-twin`;
    const db = await settings();
    const work = mkdtempSync(path.join(os.tmpdir(), 'devup-shop-work-'));
    const review = mkdtempSync(path.join(os.tmpdir(), 'devup-shop-review-'));
    const first = new DockerEngine(project, db, undefined, work);
    await first.start(sink);
    const twin = new DockerEngine(project, db, undefined, review);
    const error = await twin.start(sink).catch((e) => e);
    expect(error.message).toBe(
      `the container ${project}-postgres belongs to another checkout of project "${project}", in ${work}`,
    );
    expect(error.hint).toContain(`Set "project" in ${review}'s config to a name of its own`);
    await expect(twin.listDestroyable()).rejects.toThrow(/belongs to another checkout/);
    await expect(twin.destroy()).rejects.toThrow(/belongs to another checkout/);
    await expect(twin.stop()).rejects.toThrow(/belongs to another checkout/);
    // The volume alone (its container removed) is still the first checkout's.
    await dockerClient().getContainer(`${project}-postgres`).remove({ force: true });
    await expect(twin.listDestroyable()).rejects.toThrow(`the volume ${project}-pgdata belongs to another checkout`);
    expect((await dockerClient().getVolume(`${project}-pgdata`).inspect()).Labels?.[LABEL.checkout]).toBe(work);
    // The first checkout deleted: still not the twin's, and prune is the way out.
    rmSync(work, { recursive: true, force: true });
    const gone = await twin.listDestroyable().catch((e) => e);
    expect(gone.message).toBe(
      `the volume ${project}-pgdata belongs to a checkout of project "${project}" in ${work}, which no longer exists`,
    );
    expect(gone.hint).toMatch(/devup prune/);
    rmSync(review, { recursive: true, force: true });
  });

  it('reports an unreachable engine with the socket and the way out', async () => {
    const engine = new DockerEngine(`${PREFIX}-none`, await settings(), {
      kind: 'socket',
      socketPath: '/nonexistent/docker.sock',
    });
    expect(await engine.ping()).toBe(false);
    const error = await engine.start(sink).catch((e) => e);
    expect(error.message).toMatch(/the Docker engine at \/nonexistent\/docker\.sock does not answer/);
    expect(error.hint).toMatch(/--engine embedded/);
  });
});
