import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { InfraSettings } from '../../../src/config/types.js';
import { DockerApi } from '../../../src/database/docker/api.js';
import { stopInfra } from '../../../src/infra/infra-lifecycle.js';
import { infraPlaceholderValues } from '../../../src/infra/infra-values.js';
import { startInfra } from '../../../src/infra/start-infra.js';
import { freePort } from '../../helpers/ports.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import {
  dockerClient,
  RABBITMQ_TEST_IMAGE,
  rabbitmqImageStatus,
  removeTestResources,
  requireDocker,
} from '../helpers/docker.js';

const status = await rabbitmqImageStatus();
const PREFIX = `infrarmq${randomBytes(3).toString('hex')}`;
const api = new DockerApi();
const sink = { notice: () => {} };

let ws: Workspace | undefined;
afterEach(() => {
  ws?.cleanup();
  ws = undefined;
});

it.runIf(requireDocker)('CI has the RabbitMQ test image', () => {
  expect(status.reason).toBe('');
});

/** The entry as the config makes it, in one checkout (kept across calls: its password file too). */
function queueEntry(ports: { amqp: number; ui: number }, extra: Record<string, unknown> = {}): InfraSettings {
  ws ??= createWorkspace();
  const entry = {
    kind: 'rabbitmq',
    image: RABBITMQ_TEST_IMAGE,
    ports: { 5672: ports.amqp, 15672: ports.ui },
    ...extra,
  };
  return ws.config({ infra: { queue: entry }, services: { api: {} } }).infra[0] as InfraSettings;
}

/** Messages waiting in `queue` (declared durable), read through the URL services get. */
async function waiting(url: string, queue: string): Promise<number> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    return (await channel.assertQueue(queue, { durable: true })).messageCount;
  } finally {
    await connection.close();
  }
}

async function publish(url: string, queue: string, body: string): Promise<void> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createConfirmChannel();
    await channel.assertQueue(queue, { durable: true });
    channel.sendToQueue(queue, Buffer.from(body), { persistent: true });
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}

describe.skipIf(!status.available)(
  `RabbitMQ in Docker${status.available ? '' : ` (skipped: ${status.reason})`}`,
  () => {
    afterAll(() => removeTestResources(PREFIX));

    it('is ready only when AMQP takes the generated credentials; its messages survive down and a recreation', async () => {
      const project = `${PREFIX}-keep`;
      const ports = { amqp: await freePort(57400), ui: await freePort(57500) };
      const entry = queueEntry(ports);
      const owner = { project, checkout: ws?.dir, stem: project };
      const options = { stateDir: `${ws?.dir}/.devup`, sink };
      const [created] = await startInfra(api, [entry], owner, options);
      expect(created?.action).toBe('created');

      // The moment devup says ready, a login with the URL services get works (ping alone is too early).
      const url = infraPlaceholderValues([entry])['infra.queue.url'] as string;
      expect(url).toMatch(new RegExp(`^amqp://devup:[a-z0-9]{24}@127\\.0\\.0\\.1:${ports.amqp}$`));
      await publish(url, 'jobs', 'first');
      // The management UI of the -management image listens too.
      expect((await fetch(`http://127.0.0.1:${ports.ui}/`)).status).toBe(200);

      // down keeps the data; the next start reads the same password file, which the volume knows.
      expect(await stopInfra(api, owner)).toEqual([`${project}-queue`]);
      const [restarted] = await startInfra(api, [queueEntry(ports)], owner, options);
      expect(restarted?.action).toBe('started');
      expect(await waiting(url, 'jobs')).toBe(1);

      // A changed entry is a new container on the same volume and the same node name (its hostname).
      const [recreated] = await startInfra(
        api,
        [queueEntry(ports, { env: { RABBITMQ_DEFAULT_VHOST: '/' } })],
        owner,
        options,
      );
      expect(recreated?.action).toBe('recreated');
      expect((await dockerClient().getContainer(`${project}-queue`).inspect()).Config.Hostname).toBe('queue');
      expect(await waiting(url, 'jobs')).toBe(1);
    });

    it("data: 'ephemeral' starts empty on each recreation", async () => {
      const project = `${PREFIX}-scratch`;
      const ports = { amqp: await freePort(57400), ui: await freePort(57500) };
      const entry = queueEntry(ports, { data: 'ephemeral' });
      const owner = { project, checkout: ws?.dir, stem: project };
      const options = { stateDir: `${ws?.dir}/.devup`, sink };
      await startInfra(api, [entry], owner, options);
      const url = infraPlaceholderValues([entry])['infra.queue.url'] as string;
      await publish(url, 'jobs', 'gone soon');
      expect(await waiting(url, 'jobs')).toBe(1);

      const changed = queueEntry(ports, { data: 'ephemeral', env: { RABBITMQ_DEFAULT_VHOST: '/' } });
      const [recreated] = await startInfra(api, [changed], owner, options);
      expect(recreated?.action).toBe('recreated');
      expect(await waiting(url, 'jobs')).toBe(0);
    });
  },
);
