import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { composeToConfig } from '../../../../src/infra/compose/compose-to-config.js';
import { interpolate } from '../../../../src/infra/compose/interpolate.js';
import { composeFiles, readCompose } from '../../../../src/infra/compose/read-compose.js';
import { healthcheckReady, portMap } from '../../../../src/infra/compose/service-keys.js';
import { createWorkspace, type Workspace } from '../../../helpers/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

it('interpolates as compose does: defaults for unset or empty, required variables named, $$ literal', () => {
  const vars = { SET: 'yes', EMPTY: '' };
  expect(interpolate('${SET} $SET ${UNSET:-dflt} ${EMPTY:-dflt} ${EMPTY-kept} $$HOME', vars, 'x')).toBe(
    'yes yes dflt dflt  $HOME',
  );
  expect(interpolate('${UNSET:-${SET}}', vars, 'x')).toBe('yes');
  expect(interpolate('${SET:+alt}${UNSET:+alt}', vars, 'x')).toBe('alt');
  expect(() => interpolate('${NEEDED:?set NEEDED first}', vars, 'services.db.image')).toThrow(
    'services.db.image: ${NEEDED} is required: set NEEDED first',
  );
});

it('reads ports in short and long syntax as container → host; lists what it cannot carry', () => {
  const notCarried: string[] = [];
  expect(
    portMap(
      ['6379', '127.0.0.1:6390:6379', '8080:80/tcp', { target: 9000, published: 9001 }, '5000-5010:5000-5010'],
      'services.x',
      notCarried,
    ),
  ).toEqual({
    '6379': 6390,
    '80': 8080,
    '9000': 9001,
  });
  expect(notCarried).toEqual(['services.x.ports 5000-5010:5000-5010: ranges and UDP ports are not carried']);
});

it('turns healthchecks into readiness: CMD argv, CMD-SHELL through sh, with the time compose would wait', () => {
  expect(healthcheckReady({ test: ['CMD', 'redis-cli', 'ping'] }, 'x', [])).toEqual({ command: ['redis-cli', 'ping'] });
  expect(
    healthcheckReady(
      { test: ['CMD-SHELL', 'pg_isready', '-U app'], interval: '2s', timeout: '1s', retries: 5, start_period: '10s' },
      'x',
      [],
    ),
  ).toEqual({
    command: 'pg_isready -U app',
    timeout: 25_000,
  });
  expect(healthcheckReady({ test: 'curl -f localhost' }, 'x', [])).toEqual({ command: 'curl -f localhost' });
  expect(healthcheckReady({ test: ['NONE'] }, 'x', [])).toBeUndefined();
});

it('maps a compose project: postgres to database, presets and images to infra, built services to stubs, every other key listed', async () => {
  ws = createWorkspace({
    'docker-compose.yml': `
services:
  db:
    image: \${PG_IMAGE:-postgres:16}
    environment:
      POSTGRES_USER: shop
      POSTGRES_PASSWORD: \${DB_PASSWORD:?set it}
      POSTGRES_DB: shop
      TZ: UTC
    ports: ["\${DB_PORT:-5432}:5432"]
    volumes: ["./initdb:/docker-entrypoint-initdb.d", "pgdata:/var/lib/postgresql/data"]
  cache:
    image: redis:7
    ports: ["6379:6379"]
    volumes: ["cachedata:/data", "./redis.conf:/usr/local/etc/redis/redis.conf"]
    restart: unless-stopped
  queue:
    image: rabbitmq:3-management
    environment: ["RABBITMQ_DEFAULT_USER=shop"]
    healthcheck: { test: ["CMD", "rabbitmq-diagnostics", "-q", "ping"], interval: 5s, retries: 10 }
    depends_on: { cache: { condition: service_healthy } }
  api:
    build: ./api
    depends_on: [db, cache, queue]
    network_mode: host
    cap_add: [NET_ADMIN]
volumes: { pgdata: {}, cachedata: {} }
`,
    'docker-compose.override.yml': 'services:\n  cache:\n    environment: { EXTRA: "1" }\n',
    '.env': 'DB_PASSWORD=secret\nDB_PORT=55432\n',
    'initdb/01-schema.sql': 'create table t (id int);',
    'initdb/02-seed.sh': 'echo hi',
  });
  const files = composeFiles(ws.dir, []);
  expect(files.map((f) => path.basename(f))).toEqual(['docker-compose.yml', 'docker-compose.override.yml']);
  const model = await readCompose(files, {});
  const config = composeToConfig(model, {});
  expect(config.database).toEqual({
    image: 'postgres:16',
    user: 'shop',
    password: 'secret',
    database: 'shop',
    port: 55432,
    init: ['initdb/01-schema.sql'],
  });
  expect(config.infra).toEqual({
    cache: {
      kind: 'redis',
      image: 'redis:7',
      ports: { '6379': 6379 },
      env: { EXTRA: '1' },
      volumes: { cachedata: '/data' },
    },
    queue: {
      kind: 'rabbitmq',
      image: 'rabbitmq:3-management',
      env: { RABBITMQ_DEFAULT_USER: 'shop' },
      ready: { command: ['rabbitmq-diagnostics', '-q', 'ping'], timeout: 350_000 },
      dependsOn: ['cache'],
    },
  });
  expect(config.services).toEqual({ api: { dependsOn: ['cache', 'queue'] } });
  expect(config.notCarried).toEqual(
    expect.arrayContaining([
      'services.cache.restart: devup supervises what it starts',
      expect.stringMatching(/^services\.cache\.volumes \.\/redis\.conf:.*bind mounts are not carried/),
      'services.api.build: devup runs services from their own command, not from an image it builds',
      'services.api.network_mode: infra publishes ports on 127.0.0.1',
      'services.api.cap_add: devup has no equivalent',
      'services.db.environment.TZ: devup configures its own Postgres',
      'services.db.volumes initdb/02-seed.sh: only .sql init scripts are carried (database.init)',
    ]),
  );
});
