import { INFRA_PRESETS } from '../config/infra-presets.js';
import type { InfraSettings } from '../config/types.js';
import { type ContainerHealthcheck, type ContainerSpec, volumeLabels } from '../database/docker/container.js';
import { LABEL, optionsHash } from '../database/docker/labels.js';
import { VERSION } from '../version.js';

/** Whose infra this is: the project, the checkout (its real path) and the stem of its Docker names. */
export interface InfraOwner {
  project: string;
  /** The real path of the config's directory; another checkout's containers are never taken over. */
  checkout: string | undefined;
  /** `shop`, or `shop-3f9a1c` for a checkout that moved off the configured names (src/checkouts). */
  stem: string;
}

/** One infra entry as Docker will run it: the container's spec and the hash of its options. */
export interface InfraPlan {
  entry: InfraSettings;
  container: string;
  spec: ContainerSpec;
  hash: string;
}

/** The host port a container port is published on (the probes run from this machine). */
export function hostPort(plan: InfraPlan, containerPort: number): number {
  return plan.entry.ports.find((p) => p.container === containerPort)?.host ?? containerPort;
}

export function infraContainerName(stem: string, name: string): string {
  return `${stem}-${name}`;
}

export function infraVolumeName(stem: string, name: string, volume: string): string {
  return `${stem}-${name}-${volume}`;
}

/** The container for `entry`: host ports on 127.0.0.1 only, named volumes labelled like Postgres's. */
export function planInfra(entry: InfraSettings, owner: InfraOwner): InfraPlan {
  const container = infraContainerName(owner.stem, entry.name);
  const env = Object.entries(entry.env).map(([key, value]) => `${key}=${value}`);
  const mounts =
    entry.data === 'ephemeral'
      ? []
      : entry.volumes.map((v) => ({ volume: infraVolumeName(owner.stem, entry.name, v.name), target: v.path }));
  const ports = entry.ports.map((p) => ({ container: p.container, host: p.host, bind: '127.0.0.1' }));
  // The entry's name, not Docker's default (the container id): RabbitMQ keeps its data under its
  // node name, rabbit@HOSTNAME, which a recreated container must find again.
  const hostname = entry.name;
  const healthcheck = dockerHealthcheck(entry);
  // What the container is created from: any change recreates it (on the same volumes).
  const hash = optionsHash({
    image: entry.image,
    env,
    cmd: entry.command ?? null,
    ports,
    mounts,
    hostname,
    healthcheck: healthcheck ?? null,
  });
  const owned = {
    [LABEL.project]: owner.project,
    [LABEL.version]: VERSION,
    [LABEL.infra]: entry.name,
    ...(owner.checkout === undefined ? {} : { [LABEL.checkout]: owner.checkout }),
  };
  return {
    entry,
    container,
    hash,
    spec: {
      name: container,
      image: entry.image,
      labels: { ...owned, [LABEL.optionsHash]: hash, [LABEL.image]: entry.image },
      env,
      cmd: entry.command,
      ports,
      mounts,
      volumeLabels: volumeLabels(owner.project, owner.checkout, { [LABEL.infra]: entry.name }),
      hostname,
      ...(healthcheck ? { healthcheck } : {}),
    },
  };
}

/**
 * A command check becomes the container's Docker healthcheck too, so that the one list call of a
 * warm start says whether a running container is ready (`(healthy)`), with no exec of its own.
 * An expected answer is matched with grep, since a command may exit 0 on an error reply
 * (`redis-cli ping` does while Redis loads its data).
 */
function dockerHealthcheck(entry: InfraSettings): ContainerHealthcheck | undefined {
  const { ready } = entry;
  if (ready.kind !== 'command') return undefined;
  const preset = entry.kind === undefined ? undefined : INFRA_PRESETS[entry.kind];
  const test: ContainerHealthcheck['test'] =
    ready.expect === undefined
      ? ['CMD', ...ready.argv]
      : ['CMD-SHELL', `${ready.argv.map(shellQuote).join(' ')} | grep -qF -- ${shellQuote(ready.expect)}`];
  return {
    test,
    intervalMs: preset?.healthIntervalMs ?? 10_000,
    timeoutMs: 10_000,
    startPeriodMs: entry.readyTimeoutMs,
    retries: 3,
  };
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}
