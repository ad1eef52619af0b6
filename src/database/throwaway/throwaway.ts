import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig } from '../../config/types.js';
import { InterruptedError, UserError } from '../../errors.js';
import { addExitHook } from '../../lib/exit-hooks.js';
import { quoteIdent, quoteLiteral } from '../../lib/sql-quote.js';
import { findFreePort } from '../../ports.js';
import { ensureMainDatabase } from '../boot.js';
import { type ConnectionInfo, connectionUrl, withClient } from '../connection/connection.js';
import { DockerEngine } from '../docker/docker-engine.js';
import { EmbeddedEngine } from '../embedded/embedded-engine.js';
import type { ProgressSink } from '../engine.js';
import { ExternalEngine } from '../external-engine.js';
import {
  ownerComment,
  ownerLabels,
  removeStaleDockerThrowaways,
  removeStaleTempDirs,
  removeStaleThrowawayDatabases,
  TEMP_PREFIX,
  throwawayTempRoot,
  writeOwnerFile,
} from './leftovers.js';

export type ThrowawayEngine = 'embedded' | 'docker' | 'external';

/** What a throwaway is made from: the project's name, database settings and services (their own databases). */
export type ThrowawaySource = Pick<ResolvedConfig, 'project' | 'stateDir' | 'database' | 'services'>;

/** A fresh Postgres that exists for the length of one callback and is never the developer's dev database. */
export interface ThrowawayDatabase<C extends ThrowawaySource = ThrowawaySource> {
  engine: ThrowawayEngine;
  /** A superuser (the given user on external) on the throwaway's main database. */
  connection: ConnectionInfo;
  /** The settings given, database and state directory pointed at the throwaway (for runMigrationStep and the rest). */
  config: C;
  /** One line for people: "embedded Postgres on 127.0.0.1:41234". */
  description: string;
  /** Creation until ready (initdb, container start or `create database`). */
  readyMs: number;
}

export interface ThrowawayOptions {
  engine: ThrowawayEngine;
  /** Aborting (Ctrl-C) stops waiting for the callback; the throwaway is removed before this rejects. */
  signal?: AbortSignal | undefined;
  sink?: ProgressSink | undefined;
}

interface Created<C extends ThrowawaySource> {
  database: ThrowawayDatabase<C>;
  remove(): Promise<void>;
}

/**
 * Boots a fresh Postgres (embedded: a new cluster in a temp directory on a free port; docker: a
 * new container and volume; external: a new database on DATABASE_URL's server), runs `fn` with
 * it, and removes it afterwards, whether `fn` resolves, throws or the user interrupts.
 */
export async function withThrowawayDatabase<T, C extends ThrowawaySource>(
  config: C,
  options: ThrowawayOptions,
  fn: (database: ThrowawayDatabase<C>) => Promise<T>,
): Promise<T> {
  const sink = options.sink ?? { notice: () => {} };
  const created = await createThrowaway(config, options.engine, sink);
  try {
    if (options.signal?.aborted) throw options.signal.reason ?? new InterruptedError();
    const work = fn(created.database);
    work.catch(() => {}); // an interrupted callback may still fail against the removed server
    return await raceAbort(work, options.signal);
  } finally {
    await created.remove();
  }
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new InterruptedError());
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function createThrowaway<C extends ThrowawaySource>(config: C, engine: ThrowawayEngine, sink: ProgressSink) {
  await removeStaleThrowaways(engine);
  switch (engine) {
    case 'embedded':
      return embeddedThrowaway(config, sink);
    case 'docker':
      return dockerThrowaway(config, sink);
    case 'external':
      return externalThrowaway(config);
  }
}

/** What throwaways of runs killed outright left (their owner is gone); never a live run's. Best effort. */
async function removeStaleThrowaways(engine: ThrowawayEngine): Promise<void> {
  try {
    removeStaleTempDirs();
    if (engine === 'docker') await removeStaleDockerThrowaways();
  } catch {
    // Whatever is left is found again by the next throwaway.
  }
}

/** A temp directory for the cluster and the throwaway's own state (never the project's .devup/). */
function makeTempDir(): string {
  const dir = mkdtempSync(path.join(throwawayTempRoot(), TEMP_PREFIX));
  // As root the server runs as an unprivileged user, which must traverse into the cluster.
  chmodSync(dir, 0o755);
  writeOwnerFile(dir);
  return dir;
}

function pointConfigAt<C extends ThrowawaySource>(
  config: C,
  engine: ThrowawayEngine,
  connection: ConnectionInfo,
  stateDir: string,
): C {
  return {
    ...config,
    stateDir,
    database: {
      ...config.database,
      engine,
      port: connection.port,
      user: connection.user,
      password: connection.password,
      database: connection.database,
      url: connectionUrl(connection),
    },
  };
}

async function embeddedThrowaway<C extends ThrowawaySource>(config: C, sink: ProgressSink): Promise<Created<C>> {
  const started = performance.now();
  const dir = makeTempDir();
  const engine = new EmbeddedEngine(
    {
      ...config.database,
      engine: 'embedded',
      dataDir: path.join(dir, 'cluster'),
      port: await findFreePort(),
      password: randomBytes(12).toString('hex'),
      url: undefined,
    },
    [],
    // Nothing on a throwaway cluster has to survive a crash: no flush waits, no full-page images.
    { fsync: 'off', full_page_writes: 'off' },
    // initdb's bytes are the same every time: copied from the user's cache (cluster-cache.ts).
    { fromCache: true },
  );
  const removeNow = () => {
    const pid = engine.runningPid();
    if (pid !== undefined) process.kill(pid, 'SIGQUIT'); // immediate shutdown, no checkpoint
    rmSync(dir, { recursive: true, force: true });
  };
  const forget = addExitHook(removeNow);
  const remove = async () => {
    try {
      await engine.stop('immediate');
    } catch {
      // a server that will not stop still loses its directory below
    }
    rmSync(dir, { recursive: true, force: true });
    forget();
  };
  try {
    const running = await engine.start(sink);
    await ensureMainDatabase(running.connection);
    const connection = running.connection;
    return {
      database: {
        engine: 'embedded',
        connection,
        config: pointConfigAt(config, 'embedded', connection, path.join(dir, 'state')),
        description: `embedded Postgres on 127.0.0.1:${connection.port}`,
        readyMs: performance.now() - started,
      },
      remove,
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

async function dockerThrowaway<C extends ThrowawaySource>(config: C, sink: ProgressSink): Promise<Created<C>> {
  const started = performance.now();
  const dir = makeTempDir();
  // A project name of its own: its own container and volume, labelled, never the dev container.
  const project = `${config.project}-throwaway-${randomBytes(4).toString('hex')}`;
  const engine = new DockerEngine(
    project,
    {
      ...config.database,
      engine: 'docker',
      port: await findFreePort(),
      bind: '127.0.0.1',
      password: randomBytes(12).toString('hex'),
      url: undefined,
    },
    undefined,
    undefined,
    // Whose it is: the next throwaway removes it if this process dies without doing so.
    ownerLabels(),
  );
  const forget = addExitHook(() => rmSync(dir, { recursive: true, force: true }));
  const remove = async () => {
    await engine.destroy().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    forget();
  };
  try {
    const running = await engine.start(sink);
    await ensureMainDatabase(running.connection);
    return {
      database: {
        engine: 'docker',
        connection: running.connection,
        config: pointConfigAt(config, 'docker', running.connection, path.join(dir, 'state')),
        description: `container ${engine.containerName} on 127.0.0.1:${running.connection.port}`,
        readyMs: performance.now() - started,
      },
      remove,
    };
  } catch (error) {
    await remove();
    throw error;
  }
}

/**
 * A new database on the external server. Services with a database of their own get a new one
 * too (prefixed with the throwaway's name), so nothing existing on that server is touched.
 */
async function externalThrowaway<C extends ThrowawaySource>(config: C): Promise<Created<C>> {
  const started = performance.now();
  const engine = new ExternalEngine(config.database);
  const server = (await engine.start({ notice: () => {} })).connection;
  const name = `devup_throwaway_${randomBytes(5).toString('hex')}`;
  const serviceDatabases = new Map<string, string>();
  for (const service of config.services) {
    if (service.database) serviceDatabases.set(service.database, `${name}_${service.database}`.slice(0, 63));
  }
  const dir = makeTempDir();
  const forget = addExitHook(() => rmSync(dir, { recursive: true, force: true }));
  const remove = async () => {
    await withClient(server, async (client) => {
      for (const database of [name, ...serviceDatabases.values()]) {
        await client.query(`drop database if exists ${quoteIdent(database)} with (force)`);
      }
    }).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    forget();
  };
  try {
    await withClient(server, async (client) => {
      // Those of runs killed outright first (best effort: another user's are not ours to drop).
      await removeStaleThrowawayDatabases(client).catch(() => {});
      await client.query(`create database ${quoteIdent(name)}`);
      // Whose it is: the next external throwaway drops it if this process dies without doing so.
      await client.query(`comment on database ${quoteIdent(name)} is ${quoteLiteral(ownerComment())}`);
    }).catch((error) => {
      throw new UserError(
        `cannot create a throwaway database on ${server.host}:${server.port}: ${(error as Error).message}`,
        {
          hint: 'Give the DATABASE_URL user the CREATEDB privilege, or use --engine embedded (needs no server).',
          cause: error,
        },
      );
    });
    const connection = { ...server, database: name };
    const pointed = pointConfigAt(config, 'external', connection, path.join(dir, 'state'));
    return {
      database: {
        engine: 'external',
        connection,
        config: {
          ...pointed,
          services: config.services.map((s) =>
            s.database ? { ...s, database: serviceDatabases.get(s.database) ?? s.database } : s,
          ),
        },
        description: `database ${name} on ${server.host}:${server.port}`,
        readyMs: performance.now() - started,
      },
      remove,
    };
  } catch (error) {
    await remove();
    throw error;
  }
}
