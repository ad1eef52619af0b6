import { findPortHolder, type PortHolder, stopHint } from '../../checkouts/port-holder.js';
import type { DatabaseSettings } from '../../config/types.js';
import { UserError } from '../../errors.js';
import { isPortFree } from '../../ports.js';
import { VERSION } from '../../version.js';
import type { ProgressSink } from '../engine.js';
import type { DockerApi } from './api.js';
import { type DockerError, dockerMessage } from './diagnostics.js';
import { dataVolumePath, ensureImage } from './image.js';
import { LABEL } from './labels.js';

/** The project's Postgres container and its data volume, as the config describes them. */
export interface ContainerPlan {
  project: string;
  /** The config's directory: another checkout of the project must not take these over. */
  checkout: string | undefined;
  db: DatabaseSettings;
  container: string;
  volume: string;
  /** The container's labels, with the hash of the options it is created from. */
  labels: Record<string, string>;
  /** On the container and the volume as well (a throwaway's owner). */
  extraLabels: Record<string, string>;
}

/** Creates the volume (kept when it exists) and the container on it, pulling the image first if needed. */
export async function createContainer(api: DockerApi, plan: ContainerPlan, sink: ProgressSink): Promise<void> {
  const { db } = plan;
  const image = await ensureImage(await api.client(), db.image, sink);
  const dataPath = dataVolumePath(image);
  await api.call('create the volume', (docker) =>
    docker.createVolume({
      Name: plan.volume,
      Labels: {
        [LABEL.project]: plan.project,
        [LABEL.version]: VERSION,
        ...(plan.checkout === undefined ? {} : { [LABEL.checkout]: plan.checkout }),
        ...plan.extraLabels,
      },
    }),
  );
  await api.call('create the container', (docker) =>
    docker.createContainer({
      name: plan.container,
      Image: db.image,
      Labels: { ...plan.labels, ...plan.extraLabels },
      Env: [
        `POSTGRES_USER=${db.user}`,
        `POSTGRES_PASSWORD=${db.password}`,
        `POSTGRES_DB=${db.database}`,
        `PGDATA=${dataPath.pgdata}`,
      ],
      ExposedPorts: { '5432/tcp': {} },
      // SIGINT is Postgres's "fast shutdown": it does not wait for clients to disconnect.
      StopSignal: 'SIGINT',
      HostConfig: {
        PortBindings: { '5432/tcp': [{ HostIp: db.bind, HostPort: String(db.port) }] },
        Mounts: [{ Type: 'volume', Source: plan.volume, Target: dataPath.mount }],
      },
    }),
  );
}

/** Starts the container; one that already runs is fine, a published port someone holds is named. */
export async function startContainer(api: DockerApi, plan: ContainerPlan): Promise<void> {
  await api.call('start the container', async (docker) => {
    try {
      await docker.getContainer(plan.container).start();
    } catch (error) {
      if ((error as DockerError).statusCode === 304) return; // already started
      if (/port is already allocated|address already in use/i.test(dockerMessage(error))) {
        throw await portTaken(api, plan);
      }
      throw error;
    }
  });
}

/** Refuses before creating or starting anything when the port to publish is taken, naming the holder. */
export async function ensureContainerPortFree(api: DockerApi, plan: ContainerPlan): Promise<void> {
  if (await isPortFree(plan.db.port, plan.db.bind === '0.0.0.0' ? '0.0.0.0' : '127.0.0.1')) return;
  throw await portTaken(api, plan);
}

async function portTaken(api: DockerApi, plan: ContainerPlan): Promise<UserError> {
  const { port } = plan.db;
  const holder =
    (await containerPublishing(api, port, plan.checkout)) ?? findPortHolder(port, (root) => root === plan.checkout);
  return new UserError(`port ${port} is already in use by ${holder?.what ?? 'another program'}`, {
    hint: `${stopHint(holder)}, or set database.port in the config to a free port (e.g. ${port + 1}).`,
  });
}

/** The container that publishes `port`, if any: another checkout's devup Postgres is named as such. */
async function containerPublishing(api: DockerApi, port: number, checkout: string | undefined) {
  try {
    const docker = await api.client();
    const containers = await docker.listContainers();
    const match = containers.find((c) => c.Ports.some((p) => p.PublicPort === port));
    if (!match) return undefined;
    const name = match.Names[0]?.replace(/^\//, '') ?? match.Id.slice(0, 12);
    const owner = match.Labels?.[LABEL.checkout];
    return owner !== undefined && owner !== checkout
      ? ({
          what: `the Docker container ${name}, the Postgres of the devup environment of ${match.Labels?.[LABEL.project]} in ${owner}`,
          stop: `run \`devup down\` in ${owner}`,
        } satisfies PortHolder)
      : ({ what: `the Docker container ${name}`, stop: `\`docker stop ${name}\`` } satisfies PortHolder);
  } catch {
    // Best effort: the port is taken either way.
    return undefined;
  }
}
