import { findPortHolder, type PortHolder, stopHint } from '../../checkouts/port-holder.js';
import type { DatabaseSettings } from '../../config/types.js';
import { UserError } from '../../errors.js';
import { isPortFree } from '../../ports.js';
import { VERSION } from '../../version.js';
import type { ProgressSink } from '../engine.js';
import type { DockerApi } from './api.js';
import { type DockerError, dockerMessage } from './diagnostics.js';
import { dataVolumePath, ensureImage } from './image.js';
import { LABEL, postgresCommand } from './labels.js';

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

/** A labelled container as devup creates it: Postgres's and each infra entry's. */
export interface ContainerSpec {
  name: string;
  image: string;
  labels: Record<string, string>;
  env: string[];
  /** The image's own command when undefined. */
  cmd?: string[] | undefined;
  /** Published on `bind` only (loopback unless the config says otherwise). */
  ports: { container: number; host: number; bind: string }[];
  /** Named volumes, created (kept when they exist) with `volumeLabels`. */
  mounts: { volume: string; target: string }[];
  volumeLabels: Record<string, string>;
  stopSignal?: string;
  /** The container's hostname (Docker's default is its id, which a recreated container does not keep). */
  hostname?: string;
  /** Docker's own healthcheck: its verdict shows in the list call's status (`Up 3 minutes (healthy)`). */
  healthcheck?: ContainerHealthcheck;
}

/** A command Docker runs inside the container every `intervalMs`; `CMD-SHELL` tests run with /bin/sh. */
export interface ContainerHealthcheck {
  test: ['CMD', ...string[]] | ['CMD-SHELL', string];
  intervalMs: number;
  timeoutMs: number;
  /** Failures during this time do not count (the server is still starting). */
  startPeriodMs: number;
  retries: number;
}

const NS_PER_MS = 1_000_000;

/** The Engine API's HealthConfig (durations in nanoseconds). */
function healthConfig(check: ContainerHealthcheck) {
  return {
    Test: check.test,
    Interval: check.intervalMs * NS_PER_MS,
    Timeout: check.timeoutMs * NS_PER_MS,
    StartPeriod: check.startPeriodMs * NS_PER_MS,
    // Engines from API 1.44 (Docker 25) probe this often during the start period; older ones ignore it.
    StartInterval: 1_000 * NS_PER_MS,
    Retries: check.retries,
  };
}

/** Creates the spec's volumes (kept when they exist) and its container on them; the image must be there. */
export async function createLabelledContainer(api: DockerApi, spec: ContainerSpec): Promise<void> {
  for (const mount of spec.mounts) {
    await api.call('create the volume', (docker) =>
      docker.createVolume({ Name: mount.volume, Labels: spec.volumeLabels }),
    );
  }
  const exposed = Object.fromEntries(spec.ports.map((p) => [`${p.container}/tcp`, {}]));
  const bindings = Object.fromEntries(
    spec.ports.map((p) => [`${p.container}/tcp`, [{ HostIp: p.bind, HostPort: String(p.host) }]]),
  );
  await api.call('create the container', (docker) =>
    docker.createContainer({
      name: spec.name,
      Image: spec.image,
      Labels: spec.labels,
      Env: spec.env,
      ...(spec.cmd ? { Cmd: spec.cmd } : {}),
      ExposedPorts: exposed,
      ...(spec.stopSignal ? { StopSignal: spec.stopSignal } : {}),
      ...(spec.hostname ? { Hostname: spec.hostname } : {}),
      ...(spec.healthcheck ? { Healthcheck: healthConfig(spec.healthcheck) } : {}),
      HostConfig: {
        PortBindings: bindings,
        Mounts: spec.mounts.map((m) => ({ Type: 'volume' as const, Source: m.volume, Target: m.target })),
      },
    }),
  );
}

/** The labels of a volume devup creates: whose it is. */
export function volumeLabels(project: string, checkout: string | undefined, extra: Record<string, string> = {}) {
  return {
    [LABEL.project]: project,
    [LABEL.version]: VERSION,
    ...(checkout === undefined ? {} : { [LABEL.checkout]: checkout }),
    ...extra,
  };
}

/** Creates the volume (kept when it exists) and the container on it, pulling the image first if needed. */
export async function createContainer(api: DockerApi, plan: ContainerPlan, sink: ProgressSink): Promise<void> {
  const { db } = plan;
  const image = await ensureImage(await api.client(), db.image, sink);
  const dataPath = dataVolumePath(image);
  await createLabelledContainer(api, {
    name: plan.container,
    image: db.image,
    labels: { ...plan.labels, ...plan.extraLabels },
    env: [
      `POSTGRES_USER=${db.user}`,
      `POSTGRES_PASSWORD=${db.password}`,
      `POSTGRES_DB=${db.database}`,
      `PGDATA=${dataPath.pgdata}`,
    ],
    cmd: postgresCommand(db),
    ports: [{ container: 5432, host: db.port, bind: db.bind }],
    mounts: [{ volume: plan.volume, target: dataPath.mount }],
    volumeLabels: volumeLabels(plan.project, plan.checkout, plan.extraLabels),
    // SIGINT is Postgres's "fast shutdown": it does not wait for clients to disconnect.
    stopSignal: 'SIGINT',
  });
}

/** Starts the container; one that already runs is fine, a published port someone holds is named. */
export async function startContainer(api: DockerApi, plan: ContainerPlan): Promise<void> {
  await startNamedContainer(api, plan.container, () => portTaken(api, plan.db.port, plan.checkout, 'database.port'));
}

/** Starts a container by name; `portTaken` makes the error when Docker says a published port is held. */
export async function startNamedContainer(
  api: DockerApi,
  name: string,
  portTakenError: () => Promise<UserError>,
): Promise<void> {
  await api.call('start the container', async (docker) => {
    try {
      await docker.getContainer(name).start();
    } catch (error) {
      if ((error as DockerError).statusCode === 304) return; // already started
      if (/port is already allocated|address already in use/i.test(dockerMessage(error))) {
        throw await portTakenError();
      }
      throw error;
    }
  });
}

/** Refuses before creating or starting anything when the port to publish is taken, naming the holder. */
export async function ensureContainerPortFree(api: DockerApi, plan: ContainerPlan): Promise<void> {
  if (await isPortFree(plan.db.port, plan.db.bind === '0.0.0.0' ? '0.0.0.0' : '127.0.0.1')) return;
  throw await portTaken(api, plan.db.port, plan.checkout, 'database.port');
}

/** `port` is held: by whom (a container, another checkout's devup, a process), and the key that moves it. */
export async function portTaken(
  api: DockerApi,
  port: number,
  checkout: string | undefined,
  key: string,
): Promise<UserError> {
  const holder = (await containerPublishing(api, port, checkout)) ?? findPortHolder(port, (root) => root === checkout);
  return new UserError(`port ${port} is already in use by ${holder?.what ?? 'another program'}`, {
    hint: `${stopHint(holder)}, or set ${key} in the config to a free port (e.g. ${port + 1}).`,
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
          what: `the Docker container ${name}, of the devup environment of ${match.Labels?.[LABEL.project]} in ${owner}`,
          stop: `run \`devup down\` in ${owner}`,
        } satisfies PortHolder)
      : ({ what: `the Docker container ${name}`, stop: `\`docker stop ${name}\`` } satisfies PortHolder);
  } catch {
    // Best effort: the port is taken either way.
    return undefined;
  }
}
