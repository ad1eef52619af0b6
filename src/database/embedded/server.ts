import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { findPortHolder, stopHint } from '../../checkouts/port-holder.js';
import type { DatabaseSettings } from '../../config/types.js';
import { UserError } from '../../errors.js';
import { maskSecret } from '../../lib/secret-mask.js';
import { isPortFree } from '../../ports.js';
import type { ConnectionInfo, PgError } from '../connection/connection.js';
import { waitForPostgres } from '../connection/readiness.js';
import { type Binaries, shipsStatStatements } from './binaries.js';
import type { EmbeddedCluster } from './cluster.js';
import { SERVER_USER, serverUserIds } from './server-user.js';

/** Refuses to start a server on a port something holds, naming the holder where it can. */
export async function ensureServerPortFree(db: DatabaseSettings): Promise<void> {
  if (await isPortFree(db.port)) return;
  const holder = findPortHolder(db.port, (_root, entry) => entry.dataDir === db.dataDir);
  throw new UserError(`port ${db.port} is already in use by ${holder?.what ?? 'another program'}`, {
    hint: `${stopHint(holder)}, or set database.port in the config to a free port (e.g. ${db.port + 1}).`,
  });
}

/**
 * Starts the server with pg_ctl, detached: it keeps running after devup exits (like the Docker
 * container), so the next `devup dev` finds it ready. `settings` are extra `-c name=value`.
 */
export async function startServer(
  cluster: EmbeddedCluster,
  bins: Binaries,
  settings: Readonly<Record<string, string>>,
): Promise<void> {
  const ids = serverUserIds();
  if (process.getuid?.() === 0 && !ids) {
    throw new UserError(`devup runs as root, and there is no "${SERVER_USER}" user to run Postgres as`, {
      hint: `Create one (useradd ${SERVER_USER}), or run devup as a normal user.`,
    });
  }
  const options = [
    `-p ${cluster.db.port}`,
    `-c listen_addresses=127.0.0.1`,
    `-c unix_socket_directories=''`,
    // A development database: losing the last few commits on an OS crash beats waiting on fsync.
    `-c synchronous_commit=off`,
    // Loaded at start or never: the dashboard's slowest statements read it (see shipsStatStatements).
    ...(shipsStatStatements(bins) ? ['-c shared_preload_libraries=pg_stat_statements'] : []),
    ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`),
  ].join(' ');
  const args = ['start', '-D', cluster.dataDir, '-l', cluster.logFile, '-W', '-o', options];
  await new Promise<void>((resolve, reject) => {
    const child = spawn(bins.pg_ctl, args, {
      ...(ids ?? {}),
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
      env: { ...process.env, LC_MESSAGES: 'C' },
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(
            new UserError(`could not start embedded Postgres (pg_ctl exited with ${code})`, {
              details: [stderr.trim(), ...serverLogTail(cluster, 15)],
              hint: `See ${cluster.logFile}.`,
            }),
          ),
    );
  });
}

/** `immediate`: no shutdown checkpoint, for a cluster that is deleted right after. */
export function stopServer(cluster: EmbeddedCluster, bins: Binaries, mode: 'fast' | 'immediate'): void {
  execFileSync(bins.pg_ctl, ['stop', '-D', cluster.dataDir, '-m', mode, '-w', '-t', '30'], {
    ...(serverUserIds() ?? {}),
    stdio: 'ignore',
  });
}

/**
 * Waits until the server answers at `connection` and returns how long that took; says why when
 * it does not. `isRunning`: whether the postmaster is (still) there.
 */
export async function waitForEmbeddedPostgres(
  cluster: EmbeddedCluster,
  connection: ConnectionInfo,
  isRunning: () => boolean,
): Promise<number> {
  const launchedAt = Date.now();
  // The maintenance database always exists; the project's own is created after (boot.ts).
  const result = await waitForPostgres(
    { ...connection, database: 'postgres' },
    {
      timeoutMs: cluster.db.readyTimeoutMs,
      // pg_ctl -W returns before postmaster.pid exists: allow a moment before judging the server dead.
      stillStarting: async () => isRunning() || Date.now() - launchedAt < 2_000,
    },
  );
  if (result.ready) return result.elapsedMs;
  const code = (result.lastError as PgError | undefined)?.code;
  if (code === '28P01' || code === '28000') {
    throw new UserError(
      `the embedded cluster in ${cluster.db.dataDir} was initialised with other credentials than database.user/database.password now say`,
      {
        hint: 'Put the old password back in the config, or run `devup reset` to recreate the cluster (destroys its data).',
        cause: result.lastError,
      },
    );
  }
  throw new UserError(`embedded Postgres did not become ready (${result.reason})`, {
    details: ['Last lines of the server log:', ...serverLogTail(cluster, 30).map((l) => `  ${l}`)],
    // Not reset: a crash or a slow start is a wait-and-retry problem, and reset destroys the data.
    hint: `See ${cluster.logFile} for the cause, then run again; \`devup down\` stops a server that is half up.`,
    cause: result.lastError,
  });
}

function serverLogTail(cluster: EmbeddedCluster, count: number): string[] {
  try {
    return maskSecret(readFileSync(cluster.logFile, 'utf8'), cluster.db.password).trimEnd().split('\n').slice(-count);
  } catch {
    return ['(no server log)'];
  }
}
