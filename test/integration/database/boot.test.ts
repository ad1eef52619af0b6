import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../../src/config/types.js';
import { bootDatabase, createEngine } from '../../../src/database/boot.js';
import { withClient } from '../../../src/database/connection/connection.js';
import { EmbeddedEngine } from '../../../src/database/embedded/embedded-engine.js';
import { readEngineState } from '../../../src/database/engine-state.js';
import { freePort } from '../../helpers/ports.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { dockerStatus, removeTestResources, TEST_IMAGE } from '../helpers/docker.js';

const sink = { notice: () => {} };
function project(ws: Workspace, database: Record<string, unknown>): ResolvedConfig {
  chmodSync(ws.dir, 0o755);
  ws.write('svc/.keep', '');
  return ws.config({ project: `p${randomBytes(3).toString('hex')}`, database, services: { svc: { cwd: 'svc' } } });
}

describe('embedded engine', () => {
  let ws: Workspace;
  let config: ResolvedConfig;
  beforeAll(async () => {
    ws = createWorkspace();
    config = project(ws, { engine: 'embedded', port: await freePort(59000, 2000), password: 'embedded-secret' });
  });
  afterAll(async () => {
    await (await createEngine(config, 'embedded')).stop();
    ws.cleanup();
  });

  it('initialises a cluster under .devup/, creates the database, remembers the engine', async () => {
    const db = await bootDatabase(config, { sink }).catch((e) => {
      throw new Error(`${e.message}\n${e.details.join('\n')}`);
    });
    expect(db.action).toBe('created');
    expect(existsSync(path.join(ws.dir, '.devup/postgres/data/PG_VERSION'))).toBe(true);
    const { rows } = await withClient(db.connection, (c) => c.query('select current_database() as d'));
    expect(rows[0]?.d).toBe(config.database.database);
    expect(readEngineState(config.stateDir)).toMatchObject({
      engine: 'embedded',
      systemIdentifier: expect.any(String),
    });
  });

  it('the warm path reuses the running cluster', async () => {
    const db = await bootDatabase(config, { sink });
    expect(db.action).toBe('reused');
  });

  it('starts a stopped cluster with its data', async () => {
    const engine = new EmbeddedEngine(config.database);
    const before = await bootDatabase(config, { sink });
    await withClient(before.connection, (c) => c.query('create table if not exists kept (id int)'));
    expect(await engine.stop()).toBe('stopped');
    expect((await engine.status()).state).toBe('stopped');
    const db = await bootDatabase(config, { sink });
    expect(db.action).toBe('started');
    const { rowCount } = await withClient(db.connection, (c) =>
      c.query("select 1 from pg_tables where tablename = 'kept'"),
    );
    expect(rowCount).toBe(1);
  });

  it('explains a cluster initialised with another password', async () => {
    const other = { ...config, database: { ...config.database, password: 'changed' } };
    const error = await bootDatabase(other, { sink }).catch((e) => e);
    expect(error.message).toMatch(/was initialised with other credentials/);
  });

  it('refuses a data directory of another Postgres major version', async () => {
    const engine = new EmbeddedEngine(config.database);
    await engine.stop();
    const versionFile = path.join(config.database.dataDir, 'data/PG_VERSION');
    writeFileSync(versionFile, '14\n');
    const error = await engine.start(sink).catch((e) => e);
    expect(error.message).toMatch(/holds Postgres 14 data, but the embedded server is Postgres 18/);
    expect(error.hint).toMatch(/devup reset/);
    writeFileSync(versionFile, '18\n');
  });
});

const docker = await dockerStatus();
describe.skipIf(!docker.available)('auto engine and the Docker warm path', () => {
  const PREFIX = `devupb${randomBytes(3).toString('hex')}`;
  let ws: Workspace;
  let config: ResolvedConfig;
  const savedHost = process.env.DOCKER_HOST;
  beforeAll(async () => {
    ws = createWorkspace();
    config = project(ws, { image: TEST_IMAGE, port: await freePort(59000, 2000) });
    config = { ...config, project: PREFIX };
  });
  afterEach(() => {
    if (savedHost === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = savedHost;
  });
  afterAll(async () => {
    await removeTestResources(PREFIX);
    ws.cleanup();
  });

  it('picks Docker when an engine answers, and says so in one line', async () => {
    const notices: string[] = [];
    const db = await bootDatabase(config, { sink: { notice: (m) => notices.push(m) } });
    expect(db.engine).toBe('docker');
    expect(notices).toEqual(['Docker engine found: Postgres runs in a container.']);
    // No password in the config: the container got a generated one, kept for the next start.
    const saved = readFileSync(path.join(ws.dir, '.devup', 'password'), 'utf8').trim();
    expect(saved).toMatch(/^[a-z2-9]{24}$/);
    expect(db.connection.password).toBe(saved);
    expect(
      ws.config({ project: PREFIX, database: { image: TEST_IMAGE }, services: { svc: { cwd: 'svc' } } }).database
        .password,
    ).toBe(saved);
  });

  it('the warm path asks the Docker API nothing: it works with the engine unreachable', async () => {
    process.env.DOCKER_HOST = 'tcp://127.0.0.1:1';
    const db = await bootDatabase(config, { sink });
    expect(db).toMatchObject({ engine: 'docker', action: 'reused' });
  });

  it("a copied checkout (.devup/ included) does not take the original's container for its own", async () => {
    const copy = createWorkspace();
    try {
      cpSync(ws.dir, copy.dir, { recursive: true });
      const copied: ResolvedConfig = {
        ...config,
        root: copy.dir,
        configPath: path.join(copy.dir, 'devup.config.json'),
        stateDir: path.join(copy.dir, '.devup'),
      };
      const error = await bootDatabase(copied, { sink }).catch((e) => e);
      expect(error.message).toMatch(
        new RegExp(`the container ${PREFIX}-postgres belongs to another checkout of project "${PREFIX}", in `),
      );
    } finally {
      copy.cleanup();
    }
  });

  it('stops with an explanation when the remembered engine is gone, instead of an empty database elsewhere', async () => {
    await (await createEngine(config, 'docker')).stop();
    process.env.DOCKER_HOST = 'tcp://127.0.0.1:1';
    const error = await bootDatabase(config, { sink }).catch((e) => e);
    expect(error.message).toMatch(/this project's database lives in the Docker engine, which is not available/);
    expect(error.hint).toMatch(/--engine embedded/);
  });

  it('with the engine there, a start failure says what failed (a taken port), not that Docker is unavailable', async () => {
    await (await createEngine(config, 'docker')).stop();
    // Another program on the port: it hangs up on whoever connects.
    const squatter = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => squatter.listen(config.database.port, '127.0.0.1', resolve));
    try {
      const error = await bootDatabase(config, { sink }).catch((e) => e);
      expect(error.message).toMatch(new RegExp(`^port ${config.database.port} is already in use`));
      expect(error.message).not.toMatch(/not available/);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });
});
