import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import {
  RABBITMQ_TEST_IMAGE,
  REDIS_TEST_IMAGE,
  rabbitmqImageStatus,
  redisImageStatus,
} from '../integration/helpers/docker.js';
import { ROOT, type RunningCli, runCli, startCli } from './demo-helpers.js';

const redis = await redisImageStatus();
const rabbitmq = await rabbitmqImageStatus();
const skip = redis.reason || rabbitmq.reason;

// A worker as real ones are written: at start-up it counts its run in Redis (INCR) and publishes
// that to RabbitMQ, and dies when either is not there yet. It answers HTTP only once both worked.
const WORKER = `
const net = require('node:net');
const http = require('node:http');
const amqp = require('amqplib');
function redisIncr(url, key) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write('INCR ' + key + '\\r\\n'));
    socket.once('data', (data) => {
      socket.destroy();
      const reply = data.toString().trim();
      reply.startsWith(':') ? resolve(reply.slice(1)) : reject(new Error('redis said ' + reply));
    });
    socket.once('error', reject);
  });
}
(async () => {
  const job = 'run ' + (await redisIncr(new URL(process.env.REDIS_URL), 'runs'));
  console.log('redis counted ' + job);
  const connection = await amqp.connect(process.env.AMQP_URL);
  const channel = await connection.createConfirmChannel();
  await channel.assertQueue('jobs', { durable: true });
  channel.sendToQueue('jobs', Buffer.from(job), { persistent: true });
  await channel.waitForConfirms();
  await connection.close();
  console.log('published to rabbitmq');
  http.createServer((_, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
})().catch((error) => { console.error('worker failed: ' + error.message); process.exit(1); });
`;

const CONFIG = `export default {
  project: process.env.T_PROJECT,
  database: { engine: 'embedded', port: Number(process.env.T_DB_PORT) },
  infra: {
    cache: { kind: 'redis', image: '${REDIS_TEST_IMAGE}', ports: { 6379: Number(process.env.T_REDIS_PORT) } },
    queue: {
      kind: 'rabbitmq',
      image: '${RABBITMQ_TEST_IMAGE}',
      ports: { 5672: Number(process.env.T_AMQP_PORT), 15672: Number(process.env.T_UI_PORT) },
    },
  },
  services: {
    worker: {
      command: 'node worker.cjs',
      port: Number(process.env.T_WORKER_PORT),
      dependsOn: ['cache', 'queue'],
      env: { REDIS_URL: '{infra.cache.url}', AMQP_URL: '{infra.queue.url}' },
    },
  },
};
`;

describe.skipIf(Boolean(skip))(`Redis and RabbitMQ end to end${skip ? ` (skipped: ${skip})` : ''}`, () => {
  // Inside the repo, as the other e2e tests: the worker's require('amqplib') resolves from it.
  const dir = path.join(ROOT, 'test/e2e/.work', `infra-rmq-${randomBytes(4).toString('hex')}`);
  const running: RunningCli[] = [];
  let env: NodeJS.ProcessEnv;
  let amqpPort: number;

  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'devup.config.mjs'), CONFIG);
    writeFileSync(path.join(dir, 'worker.cjs'), WORKER);
    amqpPort = await freePort(57700, 100);
    env = {
      ...process.env,
      CI: 'true',
      DEVUP_STATE_HOME: path.join(dir, 'state'),
      T_PROJECT: `infrq${randomBytes(3).toString('hex')}`,
      T_DB_PORT: String(await freePort(57000, 300)),
      T_REDIS_PORT: String(await freePort(57600, 100)),
      T_AMQP_PORT: String(amqpPort),
      T_UI_PORT: String(await freePort(57800, 100)),
      T_WORKER_PORT: String(await freePort(57300, 300)),
    };
  });

  afterAll(async () => {
    for (const cli of running) if (cli.child.exitCode === null) cli.child.kill('SIGINT');
    await Promise.all(running.map((cli) => cli.exited));
    if (existsSync(dir)) await runCli(['down', '--volumes', '--yes'], { cwd: dir, env });
    rmSync(dir, { recursive: true, force: true });
  });

  it('a service that reads Redis and publishes to RabbitMQ starts only after both are ready', async () => {
    const cli = startCli(['dev'], { cwd: dir, env });
    running.push(cli);
    await cli.waitFor(/Press Ctrl-C to stop/, 180_000);
    const out = cli.output();
    const published = out.indexOf('published to rabbitmq');
    expect(published, out).toBeGreaterThan(-1);
    expect(out.indexOf('✔ cache ready:')).toBeGreaterThan(-1);
    expect(out.indexOf('✔ cache ready:')).toBeLessThan(out.indexOf('redis counted run 1'));
    expect(out.indexOf('✔ queue ready:')).toBeGreaterThan(-1);
    expect(out.indexOf('✔ queue ready:')).toBeLessThan(published);
    expect(out).not.toContain('worker failed');
    // The ready table shows the amqp URL with its generated password masked.
    expect(out).toMatch(new RegExp(`\\n  queue +amqp://devup:\\*\\*\\*@127\\.0\\.0\\.1:${amqpPort} +ready in `));
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);

    // The message is in the broker, reached with the credentials devup generated and kept.
    const password = readFileSync(path.join(dir, '.devup', 'infra-queue-password'), 'utf8').trim();
    const connection = await amqp.connect(`amqp://devup:${password}@127.0.0.1:${amqpPort}`);
    try {
      const channel = await connection.createChannel();
      const message = await channel.get('jobs', { noAck: true });
      expect(message === false ? 'no message' : message.content.toString()).toBe('run 1');
    } finally {
      await connection.close();
    }
  });

  it('a readiness command the image lacks: exit 1 naming the key and the way out, the worker never started', async () => {
    const broken = path.join(dir, 'broken');
    mkdirSync(broken, { recursive: true });
    writeFileSync(path.join(broken, 'worker.cjs'), WORKER);
    writeFileSync(
      path.join(broken, 'devup.config.mjs'),
      `export default {
  project: '${env.T_PROJECT}b',
  database: { engine: 'embedded', port: ${await freePort(57100, 100)} },
  infra: {
    cache: {
      kind: 'redis',
      image: '${REDIS_TEST_IMAGE}',
      ports: { 6379: ${await freePort(57650, 50)} },
      ready: { command: ['redis-check-health'] },
    },
  },
  services: { worker: { command: 'node worker.cjs', port: ${await freePort(57250, 50)}, dependsOn: ['cache'] } },
};
`,
    );
    try {
      const { code, output } = await runCli(['dev'], { cwd: broken, env });
      expect(code, output).toBe(1);
      expect(output).toContain(
        `infra.cache: the readiness command \`redis-check-health\` does not exist in the image ${REDIS_TEST_IMAGE}`,
      );
      expect(output).toContain('Set infra.cache.ready to a command the image has');
      expect(output).not.toMatch(/\n\s+at /); // no stack trace for a user's mistake
      expect(output).not.toContain('redis counted');
    } finally {
      await runCli(['down', '--volumes', '--yes'], { cwd: broken, env });
    }
  });

  it('after down, the kept volumes meet the kept password: the worker counts on and publishes again', async () => {
    const down = await runCli(['down'], { cwd: dir, env });
    expect(down.code, down.output).toBe(0);
    const cli = startCli(['dev'], { cwd: dir, env });
    running.push(cli);
    await cli.waitFor(/Press Ctrl-C to stop/, 180_000);
    expect(cli.output()).toMatch(/✔ queue ready: .*\(started, /);
    expect(cli.output()).toContain('redis counted run 2');
    expect(cli.output()).toContain('published to rabbitmq');
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  });
});
