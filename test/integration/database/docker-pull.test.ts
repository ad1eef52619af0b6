import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { InfraSettings } from '../../../src/config/types.js';
import { DockerApi } from '../../../src/database/docker/api.js';
import { DockerEngine } from '../../../src/database/docker/docker-engine.js';
import { startInfra } from '../../../src/infra/start-infra.js';
import { isPortFree } from '../../../src/ports.js';
import { isCI } from '../../../src/ui/output.js';
import { freePort } from '../../helpers/ports.js';
import { createWorkspace } from '../../helpers/workspace.js';
import { dockerClient, dockerStatus, removeTestResources, TEST_IMAGE } from '../helpers/docker.js';

const REGISTRY = '/usr/bin/docker-registry';
const docker = await dockerStatus();
const registryMissing = !existsSync(REGISTRY);
const skip = !docker.available || (registryMissing && !isCI());
const reason = !docker.available ? docker.reason : "Debian's docker-registry is not installed";

async function follow(stream: NodeJS.ReadableStream): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    dockerClient().modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())),
  );
}

// A local registry on loopback (Debian's docker-registry) holds an image the engine does not have:
// the test image plus one small layer of its own, so the pull downloads something real.
describe.skipIf(skip)(`pulling a missing image${skip ? ` (skipped: ${reason})` : ''}`, () => {
  const PREFIX = `devupp${randomBytes(3).toString('hex')}`;
  let registry: ChildProcess | undefined;
  let dir: string;
  let image: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'devup-registry-'));
    const port = await freePort(55100);
    writeFileSync(
      path.join(dir, 'config.yml'),
      `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\n`,
    );
    registry = spawn(REGISTRY, ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
    await vi.waitFor(async () => expect(await isPortFree(port)).toBe(false), { timeout: 60_000, interval: 50 });
    image = `127.0.0.1:${port}/devup/postgres-pull:15`;
    const client = dockerClient();
    const builder = await client.createContainer({
      Image: TEST_IMAGE,
      Entrypoint: ['sh', '-c', 'head -c 3000000 /dev/urandom > /opt/devup-pull-test'],
    });
    await builder.start();
    await builder.wait();
    await builder.commit({
      repo: image.slice(0, image.lastIndexOf(':')),
      tag: '15',
      changes: 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]',
    });
    await builder.remove({ v: true });
    await follow(await client.getImage(image).push({ authconfig: { serveraddress: image.split('/')[0] } }));
    await client.getImage(image).remove();
  }, 120_000);

  afterAll(async () => {
    await removeTestResources(PREFIX);
    await dockerClient()
      .getImage(image)
      .remove()
      .catch(() => {});
    registry?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  it('pulls it with per-layer progress in bytes, then runs Postgres from it', async () => {
    const progress: string[] = [];
    const notices: string[] = [];
    const engine = new DockerEngine(PREFIX, {
      engine: 'docker',
      image,
      statStatements: false,
      port: await freePort(56100),
      user: 'app',
      password: 'pull-test',
      database: 'app',
      bind: '127.0.0.1',
      url: undefined,
      dataDir: '',
      readyTimeoutMs: 30_000,
    });
    const running = await engine.start({ notice: (m) => notices.push(m), progress: (m) => progress.push(m) });
    expect(notices).toContain(`Pulling ${image} (first run only)...`);
    expect(progress.some((p) => /^[0-9a-f]{12}: Downloading \d+(\.\d)? (B|kB|MB)\/\d+(\.\d)? (kB|MB)$/m.test(p))).toBe(
      true,
    );
    expect(running.action).toBe('created');
  });

  it('pulls an infra image through the same layer with progress; an image the registry lacks, or no registry, names infra.NAME.image', async () => {
    const infraImage = image.replace('postgres-pull', 'infra-pull');
    const client = dockerClient();
    // A layer of its own, so that its pull downloads something (the others are the Postgres image's).
    const builder = await client.createContainer({
      Image: image,
      Entrypoint: ['sh', '-c', 'head -c 2000000 /dev/urandom > /opt/devup-infra-pull'],
    });
    await builder.start();
    await builder.wait();
    await builder.commit({
      repo: infraImage.slice(0, infraImage.lastIndexOf(':')),
      tag: '15',
      changes: 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]',
    });
    await builder.remove({ v: true });
    await follow(await client.getImage(infraImage).push({ authconfig: { serveraddress: image.split('/')[0] } }));
    await client.getImage(infraImage).remove();
    const ws = createWorkspace();
    const registryHost = image.slice(0, image.indexOf('/'));
    try {
      const closed = await freePort(56400);
      const entries = ws.config({
        infra: {
          job: { image: infraImage, command: 'echo started; sleep 600', ready: { log: 'started' } },
          gone: { image: `127.0.0.1:${closed}/devup/nowhere:1`, ready: { log: 'x' } },
          // The registry answers, but has no such image (a typo in the name, a tag never pushed).
          typo: { image: `${registryHost}/devup/no-such-image:1`, ready: { log: 'x' } },
        },
        services: { api: {} },
      }).infra;
      const notices: string[] = [];
      const progress: string[] = [];
      const owner = { project: `${PREFIX}-infra`, checkout: ws.dir, stem: `${PREFIX}-infra` };
      const sink = { notice: (m: string) => notices.push(m), progress: (m: string) => progress.push(m) };
      const options = { stateDir: `${ws.dir}/.devup`, sink };
      const [started] = await startInfra(new DockerApi(), [entries[0] as InfraSettings], owner, options);
      expect(notices).toContain(`Pulling ${infraImage} (first run only)...`);
      expect(
        progress.some((p) => /^[0-9a-f]{12}: Downloading \d+(\.\d)? (B|kB|MB)\/\d+(\.\d)? (kB|MB)$/m.test(p)),
      ).toBe(true);
      expect(started?.action).toBe('created');

      const missing = await startInfra(new DockerApi(), [entries[2] as InfraSettings], owner, options).catch((e) => e);
      expect(missing.message).toMatch(
        new RegExp(
          `^could not pull the image ${registryHost.replaceAll('.', '\\.')}/devup/no-such-image:1: .*(not found|unknown)`,
          'i',
        ),
      );
      expect(missing.hint).toBe('Check the image name (infra.typo.image) and your network or registry login.');
      expect((await dockerClient().listContainers({ all: true })).map((c) => c.Names[0])).not.toContain(
        `/${PREFIX}-infra-typo`,
      );
      const error = await startInfra(new DockerApi(), [entries[1] as InfraSettings], owner, options).catch((e) => e);
      expect(error.message).toMatch(
        new RegExp(`^could not pull the image 127\\.0\\.0\\.1:${closed}/devup/nowhere:1: `),
      );
      expect(error.hint).toBe('Check the image name (infra.gone.image) and your network or registry login.');
    } finally {
      ws.cleanup();
      await client
        .getImage(infraImage)
        .remove({ force: true })
        .catch(() => {});
    }
  });
});
