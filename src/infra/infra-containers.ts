import type Docker from 'dockerode';
import type { DockerApi } from '../database/docker/api.js';
import { LABEL } from '../database/docker/labels.js';
import type { InfraOwner } from './infra-plan.js';

/**
 * Every infra container of this project and checkout, in one Docker API call (the warm path asks
 * nothing else): filtered by devup's labels, so a container devup did not create is never seen.
 */
export async function listInfraContainers(api: DockerApi, owner: InfraOwner): Promise<Docker.ContainerInfo[]> {
  const all = await api.listContainers([`${LABEL.project}=${owner.project}`, LABEL.infra]);
  return all.filter((c) => ownedBy(c.Labels, owner));
}

/** This project's infra volumes of this checkout. */
export async function listInfraVolumes(api: DockerApi, owner: InfraOwner): Promise<Docker.VolumeInspectInfo[]> {
  const listed = await api.call('list the infra volumes', (docker) =>
    docker.listVolumes({ filters: { label: [`${LABEL.project}=${owner.project}`, LABEL.infra] } }),
  );
  return (listed.Volumes ?? []).filter((v) => ownedBy(v.Labels, owner));
}

/** Volumes and containers of a devup that did not label checkouts are taken as this checkout's, as for Postgres. */
function ownedBy(labels: Record<string, string> | null | undefined, owner: InfraOwner): boolean {
  if (labels?.[LABEL.project] !== owner.project) return false;
  const checkout = labels[LABEL.checkout];
  return owner.checkout === undefined || checkout === undefined || checkout === owner.checkout;
}

/** The entry's name on a container or volume devup created. */
export function infraNameOf(labels: Record<string, string> | null | undefined): string | undefined {
  return labels?.[LABEL.infra];
}
