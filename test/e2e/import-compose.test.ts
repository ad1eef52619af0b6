import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { REDIS_TEST_IMAGE, redisImageStatus, TEST_IMAGE } from '../integration/helpers/docker.js';
import { ROOT, runCli } from './demo-helpers.js';

const status = await redisImageStatus();

// Four services as a compose-based repo has them: Postgres with an init script, two Redis (one a
// generic container with its own command), and the app built from source.
const COMPOSE = `
services:
  db:
    image: \${PG_IMAGE:-postgres:16}
    environment:
      POSTGRES_USER: \${DB_USER:-shop}
      POSTGRES_PASSWORD: \${DB_PASSWORD:?set DB_PASSWORD in .env}
      POSTGRES_DB: shop
    ports: ["\${DB_PORT:-5432}:5432"]
    volumes: ["./initdb:/docker-entrypoint-initdb.d", "pgdata:/var/lib/postgresql/data"]
    healthcheck: { test: ["CMD-SHELL", "pg_isready -U shop"], interval: 2s }
  cache:
    image: \${REDIS_IMAGE:-redis:7}
    ports: ["127.0.0.1:\${CACHE_PORT:-6379}:6379"]
    volumes: ["cachedata:/data"]
    healthcheck: { test: ["CMD", "redis-cli", "ping"], interval: 1s, retries: 30 }
  sessions:
    image: \${SESSIONS_IMAGE:-valkey/valkey:8}
    command: redis-server --port 6380 --bind 0.0.0.0 --protected-mode no
    ports: ["\${SESSIONS_PORT:-6380}:6380"]
    healthcheck: { test: ["CMD-SHELL", "redis-cli -p 6380 ping | grep PONG"], interval: 1s, retries: 30 }
    depends_on: { cache: { condition: service_healthy } }
    restart: unless-stopped
    cap_add: [NET_ADMIN]
  api:
    build: ./api
    depends_on: [db, cache, sessions]
    network_mode: host
volumes: { pgdata: {}, cachedata: {} }
`;

describe.skipIf(!status.available)(
  `devup import compose${status.available ? '' : ` (skipped: ${status.reason})`}`,
  () => {
    const dir = path.join(ROOT, 'test/e2e/.work', `compose-${randomBytes(4).toString('hex')}`);
    let env: NodeJS.ProcessEnv;

    beforeAll(async () => {
      mkdirSync(path.join(dir, 'initdb'), { recursive: true });
      writeFileSync(path.join(dir, 'docker-compose.yml'), COMPOSE);
      writeFileSync(path.join(dir, 'initdb/01-schema.sql'), 'create table greeting (word text);\n');
      writeFileSync(
        path.join(dir, '.env'),
        [
          `PG_IMAGE=${TEST_IMAGE}`,
          `REDIS_IMAGE=${REDIS_TEST_IMAGE}`,
          // Any image with redis-server: the generic container runs the same one.
          `SESSIONS_IMAGE=${REDIS_TEST_IMAGE}`,
          'DB_PASSWORD=compose-secret',
          `DB_PORT=${await freePort(57000, 300)}`,
          `CACHE_PORT=${await freePort(57300, 300)}`,
          `SESSIONS_PORT=${await freePort(57600, 300)}`,
        ].join('\n'),
      );
      env = { ...process.env, CI: 'true', DEVUP_STATE_HOME: path.join(dir, 'state'), DEVUP_NO_BACKGROUND_TIDY: '1' };
    });

    afterAll(async () => {
      if (existsSync(path.join(dir, 'devup.config.mjs')))
        await runCli(['down', '--volumes', '--yes'], { cwd: dir, env });
      rmSync(dir, { recursive: true, force: true });
    });

    it('shows what it would write and what it does not carry, and writes nothing without --yes', async () => {
      const { code, output } = await runCli(['import', 'compose'], { cwd: dir, env });
      expect(code).toBe(1);
      expect(output).toContain('Read docker-compose.yml (yaml):');
      expect(output).toContain(`infra.cache: kind redis, image ${REDIS_TEST_IMAGE}`);
      expect(output).toContain('services.sessions.cap_add: devup has no equivalent');
      expect(output).toContain('services.api.network_mode: infra publishes ports on 127.0.0.1');
      expect(output).toContain('Would write devup.config.mjs:');
      // The repo's password goes into the file, not onto the screen.
      expect(output).not.toContain('compose-secret');
      expect(output).toContain('"password":"***"');
      expect(output).toContain('✗ nothing written: no terminal to confirm on');
      expect(existsSync(path.join(dir, 'devup.config.mjs'))).toBe(false);
    });

    it('with --yes writes a config that boots: Postgres with its init script, both Redis ready', async () => {
      const imported = await runCli(['import', 'compose', '--yes'], { cwd: dir, env });
      expect(imported.code, imported.output).toBe(0);
      const text = readFileSync(path.join(dir, 'devup.config.mjs'), 'utf8');
      expect(text).toContain('"password": "compose-secret"');
      expect(text).toContain('"init": [\n      "initdb/01-schema.sql"\n    ]');

      const { code, output } = await runCli(['dev'], { cwd: dir, env });
      expect(code, output).toBe(0);
      expect(output).toMatch(/✔ Postgres ready: container \S+-db|✔ Postgres ready: container \S+-postgres/);
      expect(output).toMatch(/✔ cache ready: container \S+-cache/);
      expect(output).toMatch(/✔ sessions ready: container \S+-sessions/);
      expect(output).toContain('No service has a command to start; the database and infra are ready.');

      const status = await runCli(['status', '--json'], { cwd: dir, env });
      const infra = JSON.parse(status.output.trim().split('\n').at(-1) ?? '{}').infra as {
        name: string;
        state: string;
      }[];
      expect(infra.map((i) => `${i.name} ${i.state}`)).toEqual(['cache running', 'sessions running']);
    });
  },
);
