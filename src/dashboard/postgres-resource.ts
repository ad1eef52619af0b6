import { connectionUrl } from '../database/connection/connection.js';
import type { RunningDatabase } from '../database/engine.js';
import { UserError } from '../errors.js';
import type { ResourceSource, ResourceState } from './resource-state.js';

/**
 * The Postgres server of the session as a resource. It offers no action: the services run on it,
 * and `devup down` (outside a running `devup dev`) is what stops it.
 */
export class PostgresResource implements ResourceSource {
  readonly kind = 'postgres' as const;
  readonly #db: RunningDatabase;
  readonly #since = new Date().toISOString();

  constructor(db: RunningDatabase) {
    this.#db = db;
  }

  states(): ResourceState[] {
    const { connection, engine, description, readyMs } = this.#db;
    const container = engine === 'docker' ? (/container (\S+)/.exec(description)?.[1] ?? null) : null;
    return [
      {
        kind: 'postgres',
        name: 'postgres',
        state: 'ready',
        pid: null,
        container,
        startedAt: this.#since,
        url: `postgres://${connection.host}:${connection.port}/${connection.database}`,
        readiness: `${engine}: ${description}`,
        readyMs: Math.round(readyMs),
        restarts: 0,
        lastExit: null,
        detail: null,
        env: {},
        actions: [],
      },
    ];
  }

  act(): Promise<void> {
    return Promise.reject(
      new UserError('Postgres is not stopped from the dashboard', {
        hint: 'The services run on it: stop devup dev, then `devup down`.',
      }),
    );
  }

  environment(): Promise<Record<string, string>> {
    const c = this.#db.connection;
    return Promise.resolve({
      DATABASE_URL: connectionUrl(c),
      PGHOST: c.host,
      PGPORT: String(c.port),
      PGUSER: c.user,
      PGPASSWORD: c.password,
      PGDATABASE: c.database,
    });
  }

  onChange(): () => void {
    return () => {};
  }
}
