import Docker from 'dockerode';
import { findDockerEndpoint } from '../../../src/database/docker/socket.js';
import { isCI } from '../../../src/ui/output.js';

/** The local image CI builds (scripts/build-test-image.sh); no registry is reachable here. */
export const TEST_IMAGE = process.env.DEVUP_TEST_IMAGE ?? 'devup-test/postgres:15';

export function dockerClient(): Docker {
  const endpoint = findDockerEndpoint();
  return endpoint?.kind === 'socket' ? new Docker({ socketPath: endpoint.socketPath }) : new Docker();
}

/**
 * Whether Docker tests can run. Outside CI a missing engine or image skips them with a
 * visible reason; with CI=true it is a failure, so CI can never go green without Docker.
 */
export async function dockerStatus(): Promise<{ available: boolean; reason: string }> {
  if (!findDockerEndpoint()) return { available: false, reason: 'no Docker socket found' };
  const docker = dockerClient();
  try {
    await docker.ping();
  } catch (error) {
    return { available: false, reason: `Docker engine does not answer: ${(error as Error).message}` };
  }
  try {
    await docker.getImage(TEST_IMAGE).inspect();
  } catch {
    return { available: false, reason: `image ${TEST_IMAGE} missing (run scripts/build-test-image.sh)` };
  }
  return { available: true, reason: '' };
}

export const requireDocker = isCI();

/** Removes every container and volume labelled with a project name starting with `prefix`. */
export async function removeTestResources(prefix: string): Promise<void> {
  const docker = dockerClient();
  const containers = await docker.listContainers({ all: true });
  for (const c of containers) {
    const name = c.Names[0]?.replace(/^\//, '') ?? '';
    if (name.startsWith(prefix)) await docker.getContainer(c.Id).remove({ force: true, v: true });
  }
  const { Volumes } = await docker.listVolumes();
  for (const v of Volumes ?? []) if (v.Name.startsWith(prefix)) await docker.getVolume(v.Name).remove({ force: true });
}

/** The local Redis image (scripts/build-redis-image.sh): the infra tests' preset and generic container. */
export const REDIS_TEST_IMAGE = process.env.DEVUP_TEST_REDIS_IMAGE ?? 'devup-test/redis:7';

/** Like dockerStatus, for the Redis image the infra tests run. */
export function redisImageStatus(): Promise<{ available: boolean; reason: string }> {
  return localImageStatus(REDIS_TEST_IMAGE, 'scripts/build-redis-image.sh');
}

/** The local RabbitMQ image (scripts/build-rabbitmq-image.sh): Debian's rabbitmq-server 3.10. */
export const RABBITMQ_TEST_IMAGE = process.env.DEVUP_TEST_RABBITMQ_IMAGE ?? 'devup-test/rabbitmq:3';

export function rabbitmqImageStatus(): Promise<{ available: boolean; reason: string }> {
  return localImageStatus(RABBITMQ_TEST_IMAGE, 'scripts/build-rabbitmq-image.sh');
}

async function localImageStatus(image: string, script: string): Promise<{ available: boolean; reason: string }> {
  const base = await dockerStatus();
  if (!base.available) return base;
  try {
    await dockerClient().getImage(image).inspect();
  } catch {
    return { available: false, reason: `image ${image} missing (run ${script})` };
  }
  return { available: true, reason: '' };
}
