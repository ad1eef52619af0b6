import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/validate.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

function resolve(raw: unknown) {
  return resolveConfig(raw, { configPath: `${ws.dir}/devup.config.json`, env: {} });
}
function problems(raw: unknown) {
  return resolve(raw).problems.map((p) => `${p.path}: ${p.message}`);
}

it('fills a preset: image, ports, data volume, real readiness and start timeout', () => {
  ws = createWorkspace();
  const { config } = resolve({ infra: { cache: { kind: 'redis' } }, services: { api: { dependsOn: ['cache'] } } });
  expect(config?.infra).toEqual([
    expect.objectContaining({
      name: 'cache',
      kind: 'redis',
      image: 'redis:7',
      ports: [{ container: 6379, host: 6379 }],
      volumes: [{ name: 'data', path: '/data' }],
      ready: { kind: 'command', argv: ['redis-cli', 'ping'], expect: 'PONG' },
      readyTimeoutMs: 30_000,
      data: 'persist',
    }),
  ]);
});

it('proposes RabbitMQ credentials without writing them, and keeps what env sets', () => {
  ws = createWorkspace();
  const { config } = resolve({
    infra: {
      queue: { kind: 'rabbitmq', ports: { 5672: 5673 } },
      other: { kind: 'minio', env: { MINIO_ROOT_PASSWORD: 'given-secret' } },
    },
    services: { api: {} },
  });
  const queue = config?.infra[0];
  expect(queue?.user).toBe('devup');
  expect(queue?.password).toMatch(/^[a-z0-9]{24}$/);
  expect(queue?.env.RABBITMQ_DEFAULT_PASS).toBe(queue?.password);
  expect(queue?.ports[0]).toEqual({ container: 5672, host: 5673 });
  expect(queue?.unsavedPasswordFile).toBe(path.join(ws.dir, '.devup', 'infra-queue-password'));
  expect(existsSync(path.join(ws.dir, '.devup', 'infra-queue-password'))).toBe(false);
  expect(config?.infra[1]?.password).toBe('given-secret');
  expect(config?.infra[1]?.unsavedPasswordFile).toBeUndefined();
});

it('a generic container: image, command, volumes and an http check on a port', () => {
  ws = createWorkspace();
  const { config } = resolve({
    infra: {
      search: {
        image: 'example/search:1',
        ports: { 9200: 9201 },
        command: 'serve --fast',
        volumes: { index: '/var/index' },
        ready: { http: '9200/health', timeout: '90s' },
      },
    },
    services: { api: {} },
  });
  expect(config?.infra[0]).toEqual(
    expect.objectContaining({
      kind: undefined,
      command: ['sh', '-c', 'serve --fast'],
      volumes: [{ name: 'index', path: '/var/index' }],
      ready: { kind: 'http', port: 9200, path: '/health' },
      readyTimeoutMs: 90_000,
    }),
  );
});

it('names each bad key: unknown kind and key with did-you-mean, shared names, cycles, unknown references', () => {
  ws = createWorkspace();
  const found = problems({
    infra: {
      cache: { kind: 'rdis' },
      api: { image: 'x:1', ports: { 80: 8080 } },
      a: { image: 'a:1', dependsOn: ['b'], ports: { 1: 7001 } },
      b: { image: 'b:1', dependsOn: ['a'], ports: { 1: 7002 } },
      nothing: {},
    },
    services: { api: { dependsOn: ['cahe'], env: { URL: '{infra.queue.url}' } } },
  });
  expect(found).toContainEqual(
    expect.stringMatching(/^infra\.cache\.kind: unknown kind "rdis" \(did you mean "redis"\?\)/),
  );
  expect(found).toContainEqual(expect.stringMatching(/^infra\.api: "api" is also a service/));
  expect(found).toContain('infra.a.dependsOn: dependency cycle: a → b → a (remove one of these dependsOn entries)');
  expect(found).toContain('services.api.dependsOn: unknown service or infra "cahe" (did you mean "cache"?)');
  expect(found).toContainEqual(
    expect.stringMatching(/^services\.api\.env\.URL: \{infra\.queue\.…\} names no infra entry/),
  );
  expect(found).toContainEqual(expect.stringMatching(/^infra\.nothing\.image: give an image/));

  const keys = problems({ infra: { cache: { kind: 'redis', prots: {} } }, services: { api: {} } });
  expect(keys).toContainEqual(expect.stringMatching(/^infra\.cache\.prots: unknown key \(did you mean "ports"\?\)/));
});

it('a host port shared with Postgres or a service is named', () => {
  ws = createWorkspace();
  const found = problems({
    database: { port: 6379 },
    infra: { cache: { kind: 'redis' } },
    services: { api: { port: 9000 } },
  });
  expect(found).toContain('infra.cache.ports.6379: 6379 is also used by database.port');
});

it('expands {infra.NAME.FIELD} from the values it is given and leaves an unknown one as written', async () => {
  const { expandPlaceholders } = await import('../../../src/config/env-placeholders.js');
  const values = { url: 'pg', schema: '', tenant: '', database: '', service: 'api', 'infra.cache.url': 'redis://x' };
  expect(expandPlaceholders('{infra.cache.url}/0 {url}', values)).toBe('redis://x/0 pg');
  expect(expandPlaceholders('{infra.other.url}', values)).toBe('{infra.other.url}');
});

it('--only brings the infra the chosen services depend on or name in env, with what that infra depends on', async () => {
  const { neededBy } = await import('../../../src/config/dependency-graph.js');
  ws = createWorkspace();
  const { config } = resolve({
    infra: {
      cache: { kind: 'redis' },
      queue: { kind: 'rabbitmq', dependsOn: ['store'] },
      store: { kind: 'minio' },
      mail: { kind: 'mailpit' },
    },
    services: {
      api: { dependsOn: ['cache'] },
      worker: { env: { AMQP_URL: '{infra.queue.url}' } },
      web: { dependsOn: ['api'] },
    },
  });
  const services = config?.services ?? [];
  const infra = config?.infra ?? [];
  const names = (only: string[]) => {
    const needed = neededBy(services, infra, only);
    return { services: needed.services.map((s) => s.name), infra: needed.infra.map((i) => i.name) };
  };
  expect(names(['api'])).toEqual({ services: ['api'], infra: ['cache'] });
  expect(names(['worker'])).toEqual({ services: ['worker'], infra: ['queue', 'store'] });
  // Through another service: web needs api, which needs the cache.
  expect(names(['web'])).toEqual({ services: ['api', 'web'], infra: ['cache'] });
});

it("refuses an infra placeholder in a migration tool's env, which devup could not fill", () => {
  ws = createWorkspace();
  expect(
    problems({
      infra: { cache: { kind: 'redis' } },
      services: { api: { migrations: { tool: 'dbmate', env: { REDIS_URL: '{infra.cache.url}' } } } },
    }),
  ).toEqual([
    "services.api.migrations.env.REDIS_URL: {infra.cache.url} is not available to a migration tool (migrations run while infra starts): put it in the service's env, or write the value",
  ]);
});
