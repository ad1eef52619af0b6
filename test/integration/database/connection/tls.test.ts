import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionUrl, withClient } from '../../../../src/database/connection/connection.js';
import { parseConnectionUrl } from '../../../../src/database/connection/connection-url.js';
import { UserError } from '../../../../src/errors.js';
import { runMigrationStep } from '../../../../src/migrations/step/migration-step.js';
import { createWorkspace } from '../../../helpers/workspace.js';
import { testServer } from '../../helpers/database.js';
import { PG_BIN, startTlsPostgres, type TlsPostgres } from '../../helpers/tls-postgres.js';

let server: TlsPostgres;
beforeAll(async () => {
  server = await startTlsPostgres();
});
afterAll(() => server?.stop());

const url = (host: string, query: Record<string, string>, user = 'devup') =>
  `postgresql://${user}@${host}:${server.port}/postgres?${new URLSearchParams(query)}`;

/** Whether the session devup opened is encrypted, as the server sees it. */
async function sessionUsesTls(raw: string): Promise<boolean> {
  return withClient(parseConnectionUrl(raw, {}), async (client) => {
    const { rows } = await client.query('select ssl from pg_stat_ssl where pid = pg_backend_pid()');
    return rows[0]?.ssl === true;
  });
}

async function refusal(raw: string): Promise<UserError> {
  const error = await sessionUsesTls(raw).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof UserError)) throw new Error(`expected a UserError, got ${String(error)}`);
  return error;
}

describe('a TLS-only server', () => {
  it('accepts verify-full with the CA that signed its certificate', async () => {
    expect(await sessionUsesTls(url('localhost', { sslmode: 'verify-full', sslrootcert: server.caFile }))).toBe(true);
  });

  it('accepts the same settings from PGSSLMODE and PGSSLROOTCERT', async () => {
    const info = parseConnectionUrl(url('127.0.0.1', {}), { PGSSLMODE: 'verify-full', PGSSLROOTCERT: server.caFile });
    const used = await withClient(
      info,
      async (c) => (await c.query('select ssl from pg_stat_ssl where pid = pg_backend_pid()')).rows[0]?.ssl,
    );
    expect(used).toBe(true);
  });

  it('refuses a certificate from a CA it was not given', async () => {
    const error = await refusal(url('localhost', { sslmode: 'verify-full', sslrootcert: server.otherCaFile }));
    expect(error.message).toBe(
      `the certificate of Postgres at localhost:${server.port} is not signed by a CA devup trusts (sslrootcert ${server.otherCaFile})`,
    );
  });

  it('refuses a host name the certificate does not list, and verify-ca checks the CA only', async () => {
    const error = await refusal(url('127.0.0.2', { sslmode: 'verify-full', sslrootcert: server.caFile }));
    expect(error.message).toBe(
      `host name "127.0.0.2" is not in the certificate of Postgres at 127.0.0.2:${server.port}`,
    );
    expect(await sessionUsesTls(url('127.0.0.2', { sslmode: 'verify-ca', sslrootcert: server.caFile }))).toBe(true);
  });

  it('names a plaintext connection as the reason it was refused', async () => {
    const error = await refusal(url('localhost', { sslmode: 'disable' }));
    expect(error.message).toMatch(
      new RegExp(
        `^Postgres at localhost:${server.port} turned this plaintext connection away \\(pg_hba\\.conf\\): .*no encryption`,
      ),
    );
    expect(error.hint).toContain('If the server accepts only TLS, add sslmode=verify-full');
  });

  it('uses TLS under prefer when the server offers it; with nothing asked, plaintext on loopback', async () => {
    expect(await sessionUsesTls(url('localhost', { sslmode: 'prefer' }))).toBe(true);
    const error = await refusal(url('localhost', {}));
    expect(error.message).toContain('turned this plaintext connection away');
  });

  it('admits a client certificate from its CA, and names one it refuses', async () => {
    const withCert = (cert: { cert: string; key: string }) =>
      url(
        'localhost',
        { sslmode: 'verify-full', sslrootcert: server.caFile, sslcert: cert.cert, sslkey: cert.key },
        'certuser',
      );
    expect(await sessionUsesTls(withCert(server.client))).toBe(true);
    const stranger = await refusal(withCert(server.strangerClient));
    expect(stranger.message).toMatch(
      new RegExp(`^Postgres at localhost:${server.port} refused the client certificate ${server.strangerClient.cert}`),
    );
    const none = await refusal(url('localhost', { sslmode: 'verify-full', sslrootcert: server.caFile }, 'certuser'));
    expect(none.message).toMatch(/refused the connection without a client certificate/);
  });

  it('hands the TLS settings on to libpq clients in DATABASE_URL', async () => {
    const info = parseConnectionUrl(url('localhost', { sslmode: 'verify-full', sslrootcert: server.caFile }), {});
    const handedOn = connectionUrl(info, { searchPath: ['public'] });
    expect(await sessionUsesTls(handedOn)).toBe(true);
  });
});

it('migrates over verify-full, its SQL engine and a libpq tool (psql) alike', async () => {
  const ws = createWorkspace({
    'api/migrations/0001_notes.sql': 'create table notes (id int);',
    'jobs/sql/001.sql': 'create table jobs (id int);',
  });
  try {
    const raw = url('localhost', { sslmode: 'verify-full', sslrootcert: server.caFile });
    const config = ws.config({
      database: { engine: 'external', url: raw },
      services: {
        api: { cwd: 'api', migrations: { dir: 'migrations' } },
        jobs: {
          cwd: 'jobs',
          migrations: {
            tool: 'command',
            // psql reaches the server through the PG* variables devup hands it, PGSSLMODE and
            // PGSSLROOTCERT included.
            command: `${PG_BIN}/psql -v ON_ERROR_STOP=1 -f sql/001.sql`,
            dir: 'sql',
          },
        },
      },
    });
    const admin = parseConnectionUrl(raw, {});
    const result = await runMigrationStep(config, admin);
    expect(result.outcomes.map((o) => [o.status, String(o.error ?? '')])).toEqual([
      ['applied', ''],
      ['applied', ''],
    ]);
    const tables = await withClient(admin, async (c) =>
      (
        await c.query(
          "select schemaname || '.' || tablename as t from pg_tables where tablename in ('notes', 'jobs') order by 1",
        )
      ).rows.map((r) => r.t),
    );
    expect(tables).toEqual(['api_default.notes', 'jobs_default.jobs']);
  } finally {
    ws.cleanup();
  }
});

describe('a server without TLS', () => {
  it('is refused under sslmode=require, and used in plaintext under prefer', async () => {
    const plain = testServer();
    const base = connectionUrl({ ...plain, ssl: undefined });
    const error = await refusal(`${base}?sslmode=require`);
    expect(error.message).toBe(
      `Postgres at ${plain.host}:${plain.port} does not offer TLS, and sslmode=require demands it`,
    );
    expect(await sessionUsesTls(`${base}?sslmode=prefer`)).toBe(false);
  });
});
