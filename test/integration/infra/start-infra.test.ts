import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import type { InfraSettings } from '../../../src/config/types.js';
import { DockerApi } from '../../../src/database/docker/api.js';
import { createLabelledContainer } from '../../../src/database/docker/container.js';
import { execInContainer } from '../../../src/database/docker/exec.js';
import { LABEL } from '../../../src/database/docker/labels.js';
import { findDockerEndpoint } from '../../../src/database/docker/socket.js';
import { listInfraResources, removeInfraResources, stopInfra } from '../../../src/infra/infra-lifecycle.js';
import { planInfra } from '../../../src/infra/infra-plan.js';
import { infraStates } from '../../../src/infra/infra-state.js';
import { startInfra } from '../../../src/infra/start-infra.js';
import { freePort } from '../../helpers/ports.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import {
  dockerClient,
  REDIS_TEST_IMAGE,
  redisImageStatus,
  removeTestResources,
  requireDocker,
} from '../helpers/docker.js';

const status = await redisImageStatus();
const PREFIX = `infrat${randomBytes(3).toString('hex')}`;
const api = new DockerApi();
const notices: string[] = [];
const sink = { notice: (m: string) => notices.push(m) };

let ws: Workspace | undefined;
afterEach(() => {
  ws?.cleanup();
  ws = undefined;
});

/** The entries of a config in this test's workspace (one checkout per test). */
async function entries(raw: Record<string, unknown>): Promise<InfraSettings[]> {
  ws ??= createWorkspace();
  return ws.config({ infra: raw, services: { api: {} } }).infra;
}

function ownerOf(project: string) {
  return { project, checkout: ws?.dir, stem: project };
}

it.runIf(requireDocker)('CI has a Docker engine and the Redis test image', () => {
  expect(status.reason).toBe('');
});

describe.skipIf(!status.available)(`infra in Docker${status.available ? '' : ` (skipped: ${status.reason})`}`, () => {
  afterAll(() => removeTestResources(PREFIX));

  it('creates Redis, ready when redis-cli ping answers PONG; reuses it; recreates it on a change with its data kept', async () => {
    const project = `${PREFIX}-life`;
    const port = await freePort(57100);
    const cache = (env: Record<string, string>) =>
      entries({ cache: { kind: 'redis', image: REDIS_TEST_IMAGE, ports: { 6379: port }, env } });
    const first = await startInfra(api, await cache({}), ownerOf(project), { stateDir: `${ws?.dir}/.devup`, sink });
    expect(first.map((s) => s.action)).toEqual(['created']);
    expect(await redisPing(port)).toBe('+PONG');
    const container = `${project}-cache`;
    const info = await dockerClient().getContainer(container).inspect();
    expect(info.HostConfig.PortBindings?.['6379/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(port) }]);
    expect(info.Config.Labels[LABEL.checkout]).toBe(ws?.dir);
    await execInContainer(api, container, ['redis-cli', 'set', 'kept', 'yes']);
    await execInContainer(api, container, ['redis-cli', 'save']);

    const again = await startInfra(api, await cache({}), ownerOf(project), { stateDir: `${ws?.dir}/.devup`, sink });
    expect(again.map((s) => s.action)).toEqual(['reused']);

    const changed = await startInfra(api, await cache({ EXTRA: '1' }), ownerOf(project), {
      stateDir: `${ws?.dir}/.devup`,
      sink,
    });
    expect(changed.map((s) => s.action)).toEqual(['recreated']);
    expect(notices.some((n) => n.startsWith(`Recreating ${container}`))).toBe(true);
    expect((await execInContainer(api, container, ['redis-cli', 'get', 'kept'])).output.trim()).toBe('yes');
  });

  it('a container that exits while starting fails at once, with its last log lines', async () => {
    const project = `${PREFIX}-exit`;
    const port = await freePort(57200);
    const infra = await entries({
      broken: {
        image: REDIS_TEST_IMAGE,
        ports: { 6379: port },
        command: 'echo "fatal: no config here"; exit 3',
        ready: { timeout: '10m' },
      },
    });
    const error = await startInfra(api, infra, ownerOf(project), { stateDir: `${ws?.dir}/.devup`, sink }).catch(
      (e) => e,
    );
    expect(error.message).toBe(
      `infra.broken (${REDIS_TEST_IMAGE}) did not become ready: its container exited (code 3) while starting`,
    );
    expect(error.details).toContain('  fatal: no config here');
  });

  it('a readiness command missing from the image is named, with the way out', async () => {
    const project = `${PREFIX}-nocmd`;
    const port = await freePort(57300);
    const infra = await entries({
      odd: { image: REDIS_TEST_IMAGE, ports: { 6379: port }, ready: { command: ['valkey-cli', 'ping'] } },
    });
    const error = await startInfra(api, infra, ownerOf(project), { stateDir: `${ws?.dir}/.devup`, sink }).catch(
      (e) => e,
    );
    expect(error.message).toBe(
      `infra.odd: the readiness command \`valkey-cli ping\` does not exist in the image ${REDIS_TEST_IMAGE}`,
    );
    expect(error.hint).toMatch(/^Set infra\.odd\.ready to a command the image has/);
  });

  it('a volume of its name that devup did not create is refused, never mounted', async () => {
    const project = `${PREFIX}-vol`;
    await dockerClient().createVolume({ Name: `${project}-cache-data` });
    const infra = await entries({
      cache: { kind: 'redis', image: REDIS_TEST_IMAGE, ports: { 6379: await freePort(57450) } },
    });
    const error = await startInfra(api, infra, ownerOf(project), { stateDir: `${ws?.dir}/.devup`, sink }).catch(
      (e) => e,
    );
    expect(error.message).toBe(
      `a volume named ${project}-cache-data exists, but devup did not create it for project "${project}"`,
    );
    expect(await dockerClient().listContainers({ all: true, filters: { name: [`${project}-cache`] } })).toEqual([]);
  });

  it('a host port another program holds is named before anything is created', async () => {
    const project = `${PREFIX}-port`;
    const server = net.createServer();
    const port = await freePort(57400);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const infra = await entries({ cache: { kind: 'redis', image: REDIS_TEST_IMAGE, ports: { 6379: port } } });
      const error = await startInfra(api, infra, ownerOf(project), { stateDir: `${ws?.dir}/.devup`, sink }).catch(
        (e) => e,
      );
      expect(error.message).toMatch(new RegExp(`^port ${port} is already in use by `));
      expect(error.hint).toContain('infra.cache.ports (container port 6379)');
      expect(await dockerClient().listContainers({ all: true, filters: { name: [`${project}-cache`] } })).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('a generic container (the Redis image, ready on a log line); states and down --volumes touch only what is labelled', async () => {
    const project = `${PREFIX}-gen`;
    const port = await freePort(57500);
    const infra = await entries({
      store: {
        image: REDIS_TEST_IMAGE,
        ports: { 6379: port },
        volumes: { data: '/data' },
        ready: { log: 'Ready to accept connections' },
      },
    });
    const owner = ownerOf(project);
    await startInfra(api, infra, owner, { stateDir: `${ws?.dir}/.devup`, sink });
    // Beside it: a volume named like one of the project's that devup did not create, and another project's container.
    const docker = dockerClient();
    await docker.createVolume({ Name: `${project}-store-other` });
    const other = await docker.createContainer({
      name: `${PREFIX}-elsewhere-store`,
      Image: REDIS_TEST_IMAGE,
      Labels: { [LABEL.project]: `${PREFIX}-elsewhere`, [LABEL.infra]: 'store' },
    });

    const [state] = await infraStates(api, infra, owner);
    expect(state).toMatchObject({
      name: 'store',
      state: 'running',
      ready: true,
      outdated: false,
      url: `127.0.0.1:${port}`,
      ports: [{ host: port, container: 6379 }],
    });
    expect(await stopInfra(api, owner)).toEqual([`${project}-store`]);

    const resources = await listInfraResources(api, owner);
    expect(resources.map((r) => `${r.kind} ${r.name}`).sort()).toEqual([
      `container ${project}-store`,
      `volume ${project}-store-data`,
    ]);
    await removeInfraResources(api, resources);
    expect(await listInfraResources(api, owner)).toEqual([]);
    expect((await docker.getVolume(`${project}-store-other`).inspect()).Name).toBe(`${project}-store-other`);
    expect((await other.inspect()).Name).toBe(`/${PREFIX}-elsewhere-store`);
  });
});

/** Asks Redis itself over its protocol: PING → +PONG. */
function redisPing(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      resolve(data.toString().trim());
      socket.destroy();
    });
    socket.once('error', reject);
    socket.once('close', () => reject(new Error('closed without an answer')));
  });
}

describe.skipIf(!status.available)(`the warm path${status.available ? '' : ` (skipped: ${status.reason})`}`, () => {
  afterAll(() => removeTestResources(`${PREFIX}-warm`));

  it('a running container that is not ready yet (another devup just started it) is waited for, not trusted', async () => {
    const project = `${PREFIX}-warm-late`;
    const port = await freePort(57100);
    const [late] = await entries({
      late: {
        image: REDIS_TEST_IMAGE,
        // A server that takes a while: its container runs well before anything answers.
        command: ['sh', '-c', 'sleep 2; exec redis-server --bind 0.0.0.0 --protected-mode no'],
        ports: { 6379: port },
        ready: { command: ['redis-cli', 'ping'] },
      },
    });
    const plan = planInfra(late as InfraSettings, ownerOf(project));
    await createLabelledContainer(api, plan.spec);
    await dockerClient().getContainer(plan.container).start();

    const [started] = await startInfra(api, [late as InfraSettings], ownerOf(project), {
      stateDir: `${ws?.dir}/.devup`,
      sink,
    });
    expect(started?.action).toBe('reused');
    expect(await redisPing(port)).toBe('+PONG');
  });

  it('asks Docker once for every running entry, whatever their number', async () => {
    const project = `${PREFIX}-warm`;
    const infra = await entries({
      one: { kind: 'redis', image: REDIS_TEST_IMAGE, ports: { 6379: await freePort(57100) } },
      two: {
        image: REDIS_TEST_IMAGE,
        ports: { 6379: await freePort(57200) },
        ready: { command: ['redis-cli', 'ping'] },
      },
    });
    const options = { stateDir: `${ws?.dir}/.devup`, sink };
    expect((await startInfra(api, infra, ownerOf(project), options)).map((s) => s.action)).toEqual([
      'created',
      'created',
    ]);
    // Their command check is their Docker healthcheck too; its first run is one interval after the start.
    await untilHealthy([`${project}-one`, `${project}-two`]);

    // The real engine behind a socket that counts the requests reaching it.
    const endpoint = findDockerEndpoint();
    const socket = endpoint?.kind === 'socket' ? endpoint.socketPath : '/var/run/docker.sock';
    const proxy = await countingProxy(socket, `${ws?.dir}/docker.sock`);
    try {
      const counted = new DockerApi({ kind: 'socket', socketPath: proxy.path });
      const warm = await startInfra(counted, infra, ownerOf(project), options);
      expect(warm.map((s) => s.action)).toEqual(['reused', 'reused']);
      expect(proxy.requests).toEqual([expect.stringMatching(/^GET \/containers\/json\?all=1&filters=/)]);
    } finally {
      await proxy.close();
    }
  });
});

async function untilHealthy(containers: string[]): Promise<void> {
  await vi.waitFor(
    async () => {
      for (const name of containers) {
        expect((await dockerClient().getContainer(name).inspect()).State.Health?.Status).toBe('healthy');
      }
    },
    { timeout: 60_000, interval: 250 },
  );
}

/** A unix socket that forwards to `target` and records each HTTP request line. */
async function countingProxy(target: string, socketPath: string) {
  const requests: string[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(target);
    client.once('data', (first) => {
      requests.push(
        first
          .toString('utf8')
          .split('\r\n')[0]
          ?.replace(/ HTTP\/1\.1$/, '') ?? '',
      );
      upstream.write(first);
      client.pipe(upstream);
    });
    upstream.pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return { path: socketPath, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
