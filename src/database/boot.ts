import type pg from 'pg';
import { savePassword } from '../config/default-password.js';
import { projectPaths, realPathSoFar } from '../config/project-paths.js';
import type { EngineName } from '../config/schema.js';
import type { DatabaseBootSettings } from '../config/types.js';
import { UserError } from '../errors.js';
import { withProjectLock } from '../project-lock.js';
import { type ConnectionInfo, connect } from './connection/connection.js';
import { localConnection } from './connection/local-connection.js';
import { createDatabaseUnlessExists } from './create-database.js';
import { containerName } from './docker/labels.js';
import { findDockerEndpoint } from './docker/socket.js';
import { type ConcreteEngine, type DatabaseEngine, EngineUnavailableError, type ProgressSink } from './engine.js';
import { type EngineState, engineOptionsHash, readEngineState, writeEngineState } from './engine-state.js';
import type { ExternalEngine } from './external-engine.js';
import type { BootedDatabase } from './warm-client.js';

/**
 * The engine's module is loaded only for that engine: a run on an external server or a warm
 * start never loads the Docker client or the embedded cluster's process handling.
 */
export async function createEngine(config: DatabaseBootSettings, name: ConcreteEngine): Promise<DatabaseEngine> {
  switch (name) {
    case 'docker': {
      const { DockerEngine } = await import('./docker/docker-engine.js');
      return new DockerEngine(config.project, config.database, undefined, realPathSoFar(config.root));
    }
    case 'embedded': {
      const { EmbeddedEngine } = await import('./embedded/embedded-engine.js');
      return new EmbeddedEngine(config.database, projectPaths(config));
    }
    case 'external': {
      const { ExternalEngine } = await import('./external-engine.js');
      return new ExternalEngine(config.database);
    }
  }
}

/** Where a server of this engine answers, without asking the engine (nor loading it, for a local one). */
export async function expectedConnection(
  config: DatabaseBootSettings,
  engine: ConcreteEngine,
): Promise<ConnectionInfo> {
  if (engine !== 'external') return localConnection(engine, config.database);
  return (await createEngine(config, engine)).connection;
}

/**
 * Which engine holds this project's data: --engine, else the config, else (auto) the one
 * remembered in .devup/engine.json, else Docker when an engine answers, else embedded.
 */
export async function chooseEngine(
  config: Pick<DatabaseBootSettings, 'project' | 'stateDir' | 'database'>,
  flag: EngineName | undefined,
  sink: ProgressSink,
): Promise<{ name: ConcreteEngine; remembered: EngineState | undefined }> {
  const requested = flag ?? config.database.engine;
  const remembered = readEngineState(config.stateDir);
  if (requested !== 'auto') {
    if (remembered && remembered.engine !== requested && remembered.engine !== 'external' && requested !== 'external') {
      sink.notice(
        `Using the ${requested} engine; this project's earlier data stays in the ${remembered.engine} engine (switch back with --engine ${remembered.engine}).`,
      );
    }
    return { name: requested, remembered: remembered?.engine === requested ? remembered : undefined };
  }
  if (remembered && remembered.engine !== 'external') return { name: remembered.engine, remembered };
  if (findDockerEndpoint() && (await dockerAnswers(config))) {
    sink.notice('Docker engine found: Postgres runs in a container.');
    return { name: 'docker', remembered: undefined };
  }
  sink.notice('No Docker engine answered: using embedded Postgres (data in .devup/).');
  return { name: 'embedded', remembered: undefined };
}

/** Whether the Docker engine at the endpoint found answers (its module loaded only then). */
async function dockerAnswers(config: Pick<DatabaseBootSettings, 'project' | 'database'>): Promise<boolean> {
  const { DockerEngine } = await import('./docker/docker-engine.js');
  return new DockerEngine(config.project, config.database).ping();
}

/** Creates the configured database when the server does not have it yet (a new cluster, a renamed database). */
export async function ensureMainDatabase(info: ConnectionInfo): Promise<void> {
  const client = await connect({ ...info, database: 'postgres' });
  try {
    await createDatabaseUnlessExists(client, info.database);
  } finally {
    await client.end().catch(() => {});
  }
}

async function systemIdentifier(client: pg.Client): Promise<string | undefined> {
  const { rows } = await client.query<{ id: string }>('select system_identifier::text as id from pg_control_system()');
  return rows[0]?.id;
}

export interface BootOptions {
  engine?: EngineName | undefined;
  sink: ProgressSink;
  /** Keep the warm path's open connection for the caller to borrow (withWarmClient): one connection less per start. */
  keepClient?: boolean;
  /** External engine: wait this long for a server that is not up yet. */
  waitMs?: number | undefined;
}

/** What ties a remembered cluster to this start: the options it was created with and the checkout. */
interface ClusterIdentity {
  optionsHash: string;
  checkout: string;
}

/**
 * Gets Postgres ready: the engine chosen, then the warm path (the cluster devup created answers
 * already, no engine API asked), else the engine started and the cluster remembered for next time.
 */
export async function bootDatabase(config: DatabaseBootSettings, options: BootOptions): Promise<BootedDatabase> {
  const started = performance.now();
  const { name, remembered } = await chooseEngine(config, options.engine, options.sink);
  if (name !== 'external') keepGeneratedPassword(config.database);
  const identity = { optionsHash: engineOptionsHash(name, config.database), checkout: realPathSoFar(config.root) };

  const warm = await tryWarmReuse(config, name, remembered, identity, options.keepClient);
  if (warm) return { ...warm, readyMs: performance.now() - started };

  const engine = await createEngine(config, name);
  const running = await startEngine(config.stateDir, engine, remembered, options);
  if (name !== 'external') {
    await ensureMainDatabase(running.connection);
    await rememberCluster(config.stateDir, name, running.connection, identity, remembered);
  }
  // The whole engine step, initdb or container creation included.
  return { ...running, readyMs: performance.now() - started };
}

/** The first server of this checkout: its generated password is kept from now on. */
function keepGeneratedPassword(database: DatabaseBootSettings['database']): void {
  const file = database.unsavedPasswordFile;
  if (file === undefined) return;
  database.password = savePassword(file, database.password);
  delete database.unsavedPasswordFile;
}

/**
 * The warm path: when the server that answers on the expected port is the very cluster devup
 * created (same system identifier, same options, same checkout), it is reused without loading or
 * asking the engine. Undefined when any of that does not hold.
 */
async function tryWarmReuse(
  config: Pick<DatabaseBootSettings, 'project' | 'database'>,
  name: ConcreteEngine,
  remembered: EngineState | undefined,
  identity: ClusterIdentity,
  keepClient: boolean | undefined,
): Promise<Omit<BootedDatabase, 'readyMs'> | undefined> {
  if (
    name === 'external' ||
    !remembered?.systemIdentifier ||
    remembered.optionsHash !== identity.optionsHash ||
    remembered.checkout !== identity.checkout
  ) {
    return undefined;
  }
  const connection = localConnection(name, config.database);
  let client: pg.Client | undefined;
  try {
    client = await connect(connection);
    if ((await systemIdentifier(client)) === remembered.systemIdentifier) {
      if (!keepClient) await client.end().catch(() => {});
      return {
        engine: name,
        connection,
        description: describeWarm(config, name),
        action: 'reused',
        ...(keepClient ? { warmClient: client } : {}),
      };
    }
  } catch {
    // Not answering, or not ours: the engine starts it.
  }
  await client?.end().catch(() => {});
  return undefined;
}

/** Starts (creating when needed) the engine's server, or waits for the external one. */
async function startEngine(
  stateDir: string,
  engine: DatabaseEngine,
  remembered: EngineState | undefined,
  options: BootOptions,
): Promise<BootedDatabase> {
  const { sink, waitMs } = options;
  try {
    if (engine.name === 'external') {
      // The connection that proved the server ready is the one the migration step checks with.
      const { client, ...running } = await (engine as ExternalEngine).start(sink, {
        waitMs,
        keepClient: options.keepClient,
      });
      return { ...running, ...(client ? { warmClient: client } : {}) };
    }
    // Two first runs at once would each initdb (and delete the other's cluster) or race on the
    // container name: one creates, the other waits and then finds it there.
    return await withProjectLock(stateDir, 'database', () => engine.start(sink, { waitMs }), {
      onWait: () => sink.notice('Another devup of this project is starting its database; waiting for it.'),
    });
  } catch (error) {
    // Only when Docker itself is missing: a taken port or refused credentials say so themselves.
    if (
      remembered &&
      options.engine === undefined &&
      error instanceof EngineUnavailableError &&
      engine.name === 'docker'
    ) {
      throw dockerDataUnreachable(error);
    }
    throw error;
  }
}

function dockerDataUnreachable(error: EngineUnavailableError): UserError {
  return new UserError(`this project's database lives in the Docker engine, which is not available: ${error.message}`, {
    hint:
      'Start Docker and run again. To work without it, pass --engine embedded: that starts an empty embedded ' +
      'database and leaves the Docker data where it is.',
    cause: error,
  });
}

/** Remembers which cluster this project's data is in, so that the next start can take the warm path. */
async function rememberCluster(
  stateDir: string,
  name: ConcreteEngine,
  connection: ConnectionInfo,
  identity: ClusterIdentity,
  remembered: EngineState | undefined,
): Promise<void> {
  const id = await connect(connection)
    .then((c) => systemIdentifier(c).finally(() => c.end().catch(() => {})))
    .catch(() => undefined);
  writeEngineState(stateDir, {
    engine: name,
    optionsHash: identity.optionsHash,
    ...(id === undefined ? {} : { systemIdentifier: id }),
    checkout: identity.checkout,
    createdAt: remembered?.createdAt ?? new Date().toISOString(),
  });
}

function describeWarm(config: Pick<DatabaseBootSettings, 'project' | 'database'>, engine: ConcreteEngine): string {
  const db = config.database;
  return engine === 'docker'
    ? `container ${containerName(db.dockerName ?? config.project)} (${db.image}) on ${db.bind}:${db.port}`
    : `embedded Postgres on 127.0.0.1:${db.port}`;
}
