import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { type ConnectionInfo, parseConnectionUrl, withClient } from '../../../src/database/connection.js';

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
    drop: () =>
      withClient({ ...server, database: 'postgres' }, (c) =>
        c.query(`drop database if exists ${name} with (force)`),
      ).then(() => {}),
  };
}
