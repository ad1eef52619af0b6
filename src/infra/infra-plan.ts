import type { InfraSettings } from '../config/types.js';
import { type ContainerSpec, volumeLabels } from '../database/docker/container.js';
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
  // What the container is created from: any change recreates it (on the same volumes).
  const hash = optionsHash({ image: entry.image, env, cmd: entry.command ?? null, ports, mounts });
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
    },
  };
}
