import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { type ConnectionInfo, connect, withClient } from '../../../src/database/connection/connection.js';
import { parseConnectionUrl } from '../../../src/database/connection/connection-url.js';

/** The server the global setup started (or TEST_DATABASE_URL), as connection info. */
export function testServer(): ConnectionInfo {
  return parseConnectionUrl(inject('databaseUrl'));
}

/** A fresh, empty database for one test file; `drop()` removes it. */
export async function createTestDatabase(): Promise<ConnectionInfo & { drop(): Promise<void> }> {
  const server = testServer();
  const name = `devup_t_${randomBytes(5).toString('hex')}`;
  await withClient({ ...server, database: 'postgres' }, (c) => c.query(`create database ${name}`));
  return {
    ...server,
    database: name,
    // With the templates and snapshots a reset or a snapshot command made of it.
    drop: () =>
      withClient({ ...server, database: 'postgres' }, async (c) => {
        const { rows } = await c.query<{ datname: string }>(
          "select datname from pg_database where datname = $1 or datname like $1 || '\\_\\_devup\\_%'",
          [name],
        );
        for (const { datname } of rows) {
          await c.query(`alter database "${datname}" is_template false`);
          await c.query(`drop database if exists "${datname}" with (force)`);
        }
      }).then(() => {}),
  };
}

/**
 * A fresh database and an open connection for the tests of one file, made before the first and
 * dropped after the last; `use` receives them.
 */
export function withTestDatabase(
  use: (db: ConnectionInfo & { drop(): Promise<void> }, client: pg.Client) => void,
): void {
  let db: (ConnectionInfo & { drop(): Promise<void> }) | undefined;
  let client: pg.Client | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    client = await connect(db);
    use(db, client);
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });
}
