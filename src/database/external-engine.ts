import type pg from 'pg';
import type { DatabaseSettings } from '../config/types.js';
import { UserError } from '../errors.js';
import { type ConnectionInfo, connectionError, maskUrl } from './connection/connection.js';
import { parseConnectionUrl } from './connection/connection-url.js';
import { waitForPostgres } from './connection/readiness.js';
import { tlsError } from './connection/tls.js';
import type {
  DatabaseEngine,
  Destroyable,
  EngineStatus,
  ProgressSink,
  RunningDatabase,
  StartOptions,
} from './engine.js';

/** A server someone else runs, reached through DATABASE_URL; devup starts and stops nothing. */
export class ExternalEngine implements DatabaseEngine {
  readonly name = 'external' as const;

  constructor(private readonly db: DatabaseSettings) {}

  private get url(): string {
    if (!this.db.url) {
      throw new UserError('engine "external" needs a DATABASE_URL', {
        hint: 'Set DATABASE_URL in the environment or .env, or database.url in the config.',
      });
    }
    return this.db.url;
  }

  get connection(): ConnectionInfo {
    return parseConnectionUrl(this.url);
  }

  async start(sink: ProgressSink, options: StartOptions = {}): Promise<RunningDatabase & { client?: pg.Client }> {
    const connection = this.connection;
    const waitMs = options.waitMs;
    const where = `${connection.host}:${connection.port}`;
    const result = await waitForPostgres(connection, {
      keepClient: options.keepClient === true,
      timeoutMs: waitMs ?? 5_000,
      intervalMs: waitMs === undefined ? 100 : 250,
      // Waiting for a deploy's database: its DNS name may not resolve yet.
      ...(waitMs === undefined
        ? {}
        : {
            isTransient: (error) => error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN',
            onWaiting: (error, elapsedMs) =>
              sink.notice(
                `Waiting for Postgres at ${where} (${reason(error)}): ${Math.round(elapsedMs / 1000)} s of ${formatSeconds(waitMs)}`,
              ),
          }),
    });
    if (!result.ready && result.reason === 'timeout' && waitMs !== undefined) {
      throw new UserError(
        `Postgres at ${where} did not answer within ${formatSeconds(waitMs)} (--wait): ${reason(result.lastError)}`,
        {
          hint: 'Check that the server is starting and that DATABASE_URL names it, or wait longer with --wait.',
          cause: result.lastError,
        },
      );
    }
    if (!result.ready) throw connectionError(connection, result.lastError);
    return {
      engine: 'external',
      connection,
      description: `external database ${maskUrl(this.url)}`,
      action: 'reused',
      readyMs: result.elapsedMs,
      ...(result.client ? { client: result.client } : {}),
    };
  }

  async stop(): Promise<'not-running'> {
    return 'not-running';
  }

  async status(): Promise<EngineStatus> {
    const connection = this.connection;
    const result = await waitForPostgres(connection, { timeoutMs: 0 });
    return {
      engine: 'external',
      state: result.ready ? 'running' : 'unreachable',
      description: `external database ${maskUrl(this.url)}`,
      port: connection.port,
      ...(result.ready
        ? {}
        : {
            problem: {
              error: connectionError(connection, result.lastError),
              answered: serverAnswered(result.lastError, connection),
            },
          }),
    };
  }

  /** The server is not ours: reset drops the configured schemas and databases instead. */
  async listDestroyable(): Promise<Destroyable[]> {
    return [];
  }

  async destroy(): Promise<void> {}
}

/** The server was reached and said no: a SQLSTATE (credentials, pg_hba, no database) or a TLS refusal. */
function serverAnswered(error: unknown, connection: ConnectionInfo): boolean {
  const code = (error as { code?: string } | undefined)?.code ?? '';
  if (/^[0-9A-Z]{5}$/.test(code)) return true;
  const where = `${connection.host}:${connection.port}`;
  return tlsError(error, { where, host: connection.host, ssl: connection.ssl }) !== undefined;
}

function reason(error: unknown): string {
  const code = (error as { code?: string } | undefined)?.code;
  if (code === '57P03') return 'starting up';
  return code ?? (error instanceof Error ? error.message : 'no answer');
}

function formatSeconds(ms: number): string {
  return ms < 1_000 ? `${ms} ms` : `${Number((ms / 1_000).toFixed(1))} s`;
}
