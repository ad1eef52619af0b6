import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import migrateStatus from '../../../src/cli/migrate-status.js';
import status from '../../../src/cli/status.js';
import { UserError } from '../../../src/errors.js';
import { commandContext } from '../../helpers/command-context.js';
import { freePort } from '../../helpers/ports.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { startTlsPostgres, type TlsPostgres } from '../helpers/tls-postgres.js';

let ws: Workspace;
let server: TlsPostgres;
beforeAll(async () => {
  server = await startTlsPostgres();
  ws = createWorkspace({ 'm/0001_a.sql': 'create table a (id int);' });
});
afterAll(() => {
  server?.stop();
  ws?.cleanup();
});

const configFor = (url: string) =>
  ws.config({ database: { engine: 'external', url }, services: { api: { migrations: { dir: 'm' } } } });

async function failure(run: Promise<number>): Promise<UserError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof UserError)) throw new Error(`expected a UserError, got ${String(error)}`);
  return error;
}

describe('migrate status and status against an external server devup cannot use', () => {
  it('a certificate from another CA: the server answered and its certificate was refused, with the way out', async () => {
    const config = configFor(
      `postgresql://devup@localhost:${server.port}/postgres?sslmode=verify-full&sslrootcert=${server.otherCaFile}`,
    );
    const error = await failure(migrateStatus(commandContext(config), { exitCode: true }));
    expect(error.message).toBe(
      `Postgres (external) at localhost:${server.port} answered, but the certificate of Postgres at localhost:${server.port} is not signed by a CA devup trusts (sslrootcert ${server.otherCaFile})`,
    );
    expect(error.hint).toContain('sslrootcert');
    expect(`${error.message} ${error.hint}`).not.toMatch(/starts it/);

    const lines: string[] = [];
    expect(await status(commandContext(config, lines))).toBe(0);
    expect(lines.join('')).toContain('is not signed by a CA devup trusts');
  });

  it('a server that does not answer: devup says it starts no external server', async () => {
    const port = await freePort(55900, 90);
    const error = await failure(migrateStatus(commandContext(configFor(`postgresql://devup@127.0.0.1:${port}/x`)), {}));
    expect(error.message).toBe(
      `Postgres (external) at 127.0.0.1:${port} does not answer (ECONNREFUSED): migrate status starts nothing`,
    );
    expect(error.hint).toBe(
      'devup never starts an external server: start it, or point DATABASE_URL (database.url) at one that runs; `devup status` shows the whole picture.',
    );
  });
});
