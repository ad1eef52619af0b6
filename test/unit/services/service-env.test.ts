import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServiceSettings } from '../../../src/config/types.js';
import { UserError } from '../../../src/errors.js';
import { buildServiceEnv, serviceUrlVariable } from '../../../src/services/service-env.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'devup-env-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const settings = (overrides: Partial<ServiceSettings>) =>
  ({ name: 'api', env: {}, envFile: undefined, port: undefined, dependsOn: [], ...overrides }) as ServiceSettings;

describe('buildServiceEnv', () => {
  it('layers .env < process env < devup < envFile < service env < PORT', async () => {
    const envFile = path.join(dir, 'api.env');
    writeFileSync(envFile, 'D=envFile\nE=envFile\n# a comment\nQUOTED="a b"\n');
    const env = await buildServiceEnv(settings({ envFile, env: { E: 'config', F: 'config', PORT: '1' }, port: 4001 }), {
      inherited: { A: 'inherited', B: 'inherited', G: 'inherited', UNSET: undefined },
      devup: { B: 'devup', C: 'devup', DATABASE_URL: 'postgres://x' },
      dotenv: { C: 'dotenv', D: 'dotenv', G: 'dotenv', H: 'dotenv', DATABASE_URL: 'postgres://app-elsewhere' },
      color: false,
    });
    expect(env).toEqual({
      A: 'inherited',
      B: 'devup',
      C: 'devup',
      G: 'inherited',
      H: 'dotenv',
      D: 'envFile',
      E: 'config',
      F: 'config',
      QUOTED: 'a b',
      DATABASE_URL: 'postgres://x',
      PORT: '4001',
      NO_COLOR: '1',
    });
  });

  it('tells children to keep their colours when the log is coloured, and to drop them otherwise', async () => {
    const inherited = { FORCE_COLOR: '0', NO_COLOR: '1' };
    const coloured = await buildServiceEnv(settings({}), { inherited, devup: {}, dotenv: {}, color: true });
    expect(coloured).toMatchObject({ FORCE_COLOR: '1' });
    expect(coloured.NO_COLOR).toBeUndefined();
    const plain = await buildServiceEnv(settings({}), { inherited, devup: {}, dotenv: {}, color: false });
    expect(plain).toMatchObject({ NO_COLOR: '1' });
    expect(plain.FORCE_COLOR).toBeUndefined();
  });

  it('lets the project override the colour hints', async () => {
    const env = await buildServiceEnv(settings({ env: { FORCE_COLOR: '3' } }), {
      inherited: {},
      devup: {},
      dotenv: {},
      color: false,
    });
    expect(env.FORCE_COLOR).toBe('3');
  });

  it('names the setting when the env file cannot be read', async () => {
    const error = await buildServiceEnv(settings({ envFile: path.join(dir, 'missing.env') }), {
      inherited: {},
      devup: {},
      dotenv: {},
      color: false,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).hint).toContain('services.api.envFile');
  });

  it('tells a service where each service it depends on answers, and the config can still override it', async () => {
    const auth = settings({ name: 'auth', port: 4101, ready: { kind: 'http', url: 'http://127.0.0.1:4101/health' } });
    const billing = settings({ name: 'billing-api', port: 4105, ready: { kind: 'tcp', port: 4105 } });
    const queue = settings({ name: 'queue', ready: { kind: 'log', pattern: /up/ } });
    const web = settings({
      name: 'web',
      dependsOn: ['auth', 'billing-api', 'queue'],
      env: {},
      ready: { kind: 'none' },
    });
    const env = await buildServiceEnv(web, {
      inherited: {},
      devup: {},
      dotenv: {},
      services: [auth, billing, queue, web],
      color: false,
    });
    expect(env.DEVUP_URL_AUTH).toBe('http://127.0.0.1:4101');
    expect(env.DEVUP_URL_BILLING_API).toBe('http://127.0.0.1:4105');
    expect(env.DEVUP_URL_QUEUE).toBeUndefined(); // no address to give
    expect(serviceUrlVariable('billing-api')).toBe('DEVUP_URL_BILLING_API');
    const overridden = await buildServiceEnv(
      { ...web, env: { DEVUP_URL_AUTH: 'http://auth.test' } },
      { inherited: {}, devup: {}, dotenv: {}, services: [auth], color: false },
    );
    expect(overridden.DEVUP_URL_AUTH).toBe('http://auth.test');
  });

  it("fills a service's env with driver URLs, the connection's parts and other services' addresses", async () => {
    const ingestion = settings({ name: 'ingestion', port: 4203, ready: { kind: 'tcp', port: 4203 } });
    const api = settings({
      name: 'api',
      env: {
        SQLALCHEMY_URL: '{url:asyncpg}',
        JDBC: '{url:jdbc}',
        DSN: 'host={host} port={port} user={user} dbname={database}',
        INGESTION_SERVICE_URL: '{service.ingestion.url}/api',
        INGESTION_PORT: '{service.ingestion.port}',
      },
      ready: { kind: 'none' },
    });
    const env = await buildServiceEnv(api, {
      inherited: {},
      devup: {
        DATABASE_URL: 'postgresql://devup:s%40cret@127.0.0.1:55432/auth',
        PGHOST: '127.0.0.1',
        PGPORT: '55432',
        PGUSER: 'devup',
        PGPASSWORD: 's@cret',
        PGDATABASE: 'auth',
      },
      dotenv: {},
      services: [ingestion, api],
      color: false,
    });
    expect(env).toMatchObject({
      SQLALCHEMY_URL: 'postgresql+asyncpg://devup:s%40cret@127.0.0.1:55432/auth',
      JDBC: 'jdbc:postgresql://127.0.0.1:55432/auth?user=devup&password=s%40cret',
      DSN: 'host=127.0.0.1 port=55432 user=devup dbname=auth',
      INGESTION_SERVICE_URL: 'http://127.0.0.1:4203/api',
      INGESTION_PORT: '4203',
    });
  });
});
