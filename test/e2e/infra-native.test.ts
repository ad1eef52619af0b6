import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { findProgram } from '../../src/infra/native/start-native.js';
import { isPortInUse } from '../../src/ports.js';
import { freePort } from '../helpers/ports.js';
import { ROOT, runCli, startCli } from './demo-helpers.js';

const redisServer = findProgram('redis-server');

const SERVICE = `
const net = require('node:net');
const url = new URL(process.env.REDIS_URL);
const socket = net.connect(Number(url.port), url.hostname, () => socket.write('PING\\r\\n'));
socket.once('data', (data) => { console.log('redis said ' + data.toString().trim()); setInterval(() => {}, 1000); });
socket.on('error', (error) => { console.error('no redis: ' + error.message); process.exit(1); });
`;

/** A PATH with every program of the current one but `program` (a machine where it is not installed). */
function pathWithout(program: string): string {
  const dir = path.join(base, 'bin-without');
  mkdirSync(dir, { recursive: true });
  for (const from of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!from || !existsSync(from)) continue;
    for (const name of readdirSync(from)) {
      const link = path.join(dir, name);
      if (name !== program && !existsSync(link)) symlinkSync(path.join(from, name), link);
    }
  }
  return dir;
}

const base = path.join(ROOT, 'test/e2e/.work', `infra-native-${randomBytes(4).toString('hex')}`);

describe('infra without a Docker engine', () => {
  let env: NodeJS.ProcessEnv;
  let redisPort: number;

  beforeAll(async () => {
    mkdirSync(base, { recursive: true });
    redisPort = await freePort(57700, 200);
    writeFileSync(
      path.join(base, 'devup.config.mjs'),
      `export default {
  project: 'infran${randomBytes(3).toString('hex')}',
  database: { engine: 'embedded', port: ${await freePort(57900, 90)} },
  infra: { cache: { kind: 'redis', ports: { 6379: ${redisPort} } } },
  services: { api: { command: 'node api.cjs', env: { REDIS_URL: '{infra.cache.url}' }, ready: { log: 'redis said' } } },
};
`,
    );
    writeFileSync(path.join(base, 'api.cjs'), SERVICE);
    // No engine answers at this socket: devup must find that out, not be told.
    env = {
      ...process.env,
      CI: 'true',
      DOCKER_HOST: `unix://${base}/no-docker.sock`,
      DEVUP_STATE_HOME: path.join(base, 'state'),
    };
  });

  afterAll(async () => {
    await runCli(['down'], { cwd: base, env });
    rmSync(base, { recursive: true, force: true });
  });

  it('names both ways out when the preset program is not on the PATH either', async () => {
    const { code, output } = await runCli(['dev'], { cwd: base, env: { ...env, PATH: pathWithout('redis-server') } });
    expect(code).toBe(1);
    expect(output).toContain('✗ infra.cache needs Docker, and no Docker engine answers');
    expect(output).toMatch(/→ Start Docker .* or install the program itself \(e\.g\. `redis-server` for kind redis\)/);
    expect(output).not.toMatch(/at .*\.js:\d+/);
    expect(existsSync(path.join(base, '.devup/infra/cache/pid'))).toBe(false);
  });

  it.skipIf(!redisServer && process.env.CI !== 'true')(
    'runs redis-server from the PATH, data under .devup/, kept running after Ctrl-C; down stops it',
    async () => {
      const cli = startCli(['dev'], { cwd: base, env });
      await cli.waitFor(/Press Ctrl-C to stop/, 120_000);
      expect(cli.output()).toContain(
        'No Docker engine: running redis-server for infra.cache (data in .devup/infra/cache)',
      );
      expect(cli.output()).toContain('api | redis said +PONG');
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(0);
      const pid = Number(readFileSync(path.join(base, '.devup/infra/cache/pid'), 'utf8'));
      expect(await isPortInUse(redisPort)).toBe(true);

      const again = startCli(['dev'], { cwd: base, env });
      await again.waitFor(/Press Ctrl-C to stop/, 120_000);
      expect(again.output()).toMatch(/✔ cache ready: redis-server \(pid \d+\) on 127\.0\.0\.1:\d+ \(already running/);
      again.child.kill('SIGINT');
      expect(await again.exited).toBe(0);

      const { output } = await runCli(['down'], { cwd: base, env });
      expect(output).toContain(`✔ Stopped infra: cache (pid ${pid}); the data is kept.`);
      await vi.waitFor(async () => expect(await isPortInUse(redisPort)).toBe(false), { timeout: 30_000, interval: 50 });
    },
  );
});
