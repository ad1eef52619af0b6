import type { DatabaseSettings } from '../config/types.js';
import { UserError } from '../errors.js';
import { type ConnectionInfo, connectionError, maskUrl } from './connection.js';
import { parseConnectionUrl } from './connection-url.js';
import type { DatabaseEngine, Destroyable, EngineStatus, RunningDatabase } from './engine.js';
import { waitForPostgres } from './readiness.js';

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

  async start(): Promise<RunningDatabase> {
    const connection = this.connection;
    const result = await waitForPostgres(connection, { timeoutMs: 5_000, intervalMs: 100 });
    if (!result.ready) throw connectionError(connection, result.lastError);
    return {
      engine: 'external',
      connection,
      description: `external database ${maskUrl(this.url)}`,
      action: 'reused',
      readyMs: result.elapsedMs,
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
    };
  }

  /** The server is not ours: reset drops the configured schemas and databases instead. */
  async listDestroyable(): Promise<Destroyable[]> {
    return [];
  }

  async destroy(): Promise<void> {}
}
