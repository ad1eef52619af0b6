import type { DockerApi } from '../database/docker/api.js';
import { LABEL } from '../database/docker/labels.js';
import { UserError } from '../errors.js';
import { infraNameOf, listInfraContainers, listInfraVolumes } from './infra-containers.js';
import type { InfraOwner } from './infra-plan.js';

/** A container or volume `down --volumes` would remove (labelled as this project's and checkout's). */
export interface InfraResource {
  kind: 'container' | 'volume';
  name: string;
  infra: string;
}

/** Stops every running infra container of this checkout; their data stays. Returns the names stopped. */
export async function stopInfra(api: DockerApi, owner: InfraOwner): Promise<string[]> {
  const running = (await listInfraContainers(api, owner)).filter((c) => c.State === 'running');
  await Promise.all(
    running.map((c) => api.call('stop the infra container', (docker) => docker.getContainer(c.Id).stop({ t: 10 }))),
  );
  return running.map((c) => c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12));
}

/** What `down --volumes` removes: exactly the containers and volumes labelled with this project and checkout. */
export async function listInfraResources(api: DockerApi, owner: InfraOwner, only?: string): Promise<InfraResource[]> {
  const containers = (await listInfraContainers(api, owner)).map((c) => ({
    kind: 'container' as const,
    name: c.Names[0]?.replace(/^\//, '') ?? c.Id,
    infra: infraNameOf(c.Labels) ?? '',
  }));
  const volumes = (await listInfraVolumes(api, owner)).map((v) => ({
    kind: 'volume' as const,
    name: v.Name,
    infra: v.Labels?.[LABEL.infra] ?? '',
  }));
  return [...containers, ...volumes].filter((r) => only === undefined || r.infra === only);
}

/** Removes the listed resources: containers first (a volume in use cannot go), anonymous volumes with them. */
export async function removeInfraResources(api: DockerApi, resources: readonly InfraResource[]): Promise<void> {
  for (const r of resources.filter((x) => x.kind === 'container')) {
    await api.call('remove the infra container', (docker) =>
      docker.getContainer(r.name).remove({ force: true, v: true }),
    );
  }
  for (const r of resources.filter((x) => x.kind === 'volume')) {
    await api.call('remove the infra volume', (docker) => docker.getVolume(r.name).remove());
  }
}

/** `devup reset --infra NAME`: that entry's container and volumes (removing them empties its data). */
export async function infraEntryResources(api: DockerApi, owner: InfraOwner, name: string, known: readonly string[]) {
  if (!known.includes(name)) {
    throw new UserError(`--infra ${name}: no infra entry of that name`, {
      hint: known.length > 0 ? `Infra entries: ${known.join(', ')}` : 'This config declares no infra.',
    });
  }
  return listInfraResources(api, owner, name);
}
