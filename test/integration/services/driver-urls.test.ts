import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceSettings } from '../../../src/config/types.js';
import type { ConnectionInfo } from '../../../src/database/connection/connection.js';
import { connectionEnv } from '../../../src/database/connection/connection-env.js';
import { parseConnectionUrl } from '../../../src/database/connection/connection-url.js';
import { buildServiceEnv } from '../../../src/services/service-env.js';
import { createTestDatabase } from '../helpers/database.js';
import { startTlsPostgres, type TlsPostgres } from '../helpers/tls-postgres.js';
import { SYSTEM_PYTHON } from '../tools/tool-fixtures.js';

const run = promisify(execFile);

// CI installs python3-sqlalchemy, python3-psycopg2 and python3-asyncpg; elsewhere a machine without them skips.
const available =
  process.env.CI === 'true' ||
  spawnSync(SYSTEM_PYTHON, ['-c', 'import sqlalchemy, psycopg2, asyncpg'], { stdio: 'ignore' }).status === 0;

// SQLAlchemy 1.4 (Debian's) with psycopg2 and asyncpg, as a FastAPI service uses them: each URL
// connects, and the session says which database, which role and whether it is encrypted.
const PROBE = `
import asyncio, os
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import create_async_engine
Q = text("select current_database(), current_user, coalesce((select ssl from pg_stat_ssl where pid = pg_backend_pid()), false)")
engine = create_engine(os.environ["SYNC_URL"])
with engine.connect() as c:
    print("psycopg2", *c.execute(Q).one())
async def main():
    engine = create_async_engine(os.environ["ASYNC_URL"])
    async with engine.connect() as c:
        print("asyncpg", *(await c.execute(Q)).one())
    await engine.dispose()
asyncio.run(main())
`;

const service = {
  name: 'api',
  env: { SYNC_URL: '{url:psycopg2}', ASYNC_URL: '{url:asyncpg}' },
  envFile: undefined,
  port: undefined,
  dependsOn: [],
  database: undefined,
  ready: { kind: 'none' },
} as unknown as ServiceSettings;

async function probe(admin: ConnectionInfo): Promise<string[]> {
  const env = await buildServiceEnv(service, {
    inherited: { PATH: process.env.PATH },
    devup: connectionEnv(admin, service, []),
    dotenv: {},
    color: false,
  });
  const { stdout } = await run(SYSTEM_PYTHON, ['-c', PROBE], { env });
  return stdout.trim().split('\n');
}

describe.skipIf(!available)('{url:psycopg2} and {url:asyncpg} with SQLAlchemy', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('both connect to the service database as devup', async () => {
    expect(await probe(db)).toEqual([
      `psycopg2 ${db.database} ${db.user} False`,
      `asyncpg ${db.database} ${db.user} False`,
    ]);
  });
});

describe.skipIf(!available)('on a TLS-only server with verify-full', () => {
  let server: TlsPostgres;
  beforeAll(async () => {
    server = await startTlsPostgres();
  });
  afterAll(() => server?.stop());

  it('both connect encrypted, asyncpg with `ssl` in the URL and the CA from PGSSLROOTCERT', async () => {
    const admin = parseConnectionUrl(
      `postgresql://devup@localhost:${server.port}/postgres?sslmode=verify-full&sslrootcert=${server.caFile}`,
      {},
    );
    expect(await probe(admin)).toEqual(['psycopg2 postgres devup True', 'asyncpg postgres devup True']);
  });
});
