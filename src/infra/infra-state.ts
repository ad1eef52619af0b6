import type { InfraSettings } from '../config/types.js';
import type { DockerApi } from '../database/docker/api.js';
import { LABEL } from '../database/docker/labels.js';
import { infraNameOf, listInfraContainers } from './infra-containers.js';
import { type InfraOwner, infraContainerName, planInfra } from './infra-plan.js';
import { displayUrl } from './infra-values.js';

/** One infra entry as the dashboard and `devup status` show it. */
export interface InfraState {
  name: string;
  kind: string | undefined;
  image: string;
  container: string;
  containerId: string | undefined;
  /** Docker's state (`running`, `exited`, …), or `absent` when there is no container. */
  state: string;
  /** Host port → container port, as published. */
  ports: { host: number; container: number }[];
  url: string;
  /** Running with the options the config asks for, and not `(unhealthy)` by its Docker healthcheck (a command check). */
  ready: boolean;
  /** The container was created with other options: the next `devup dev` recreates it. */
  outdated: boolean;
  /** When the container was created (Docker's list gives no start time without one call per container). */
  createdAt: string | undefined;
  /** Docker's own words: `Up 5 minutes`, `Exited (137) 2 seconds ago`, `Up 3 minutes (healthy)`. */
  status: string | undefined;
}

/** Every entry's state from one Docker API call (list by label); entries without a container are `absent`. */
export async function infraStates(
  api: DockerApi,
  entries: readonly InfraSettings[],
  owner: InfraOwner,
): Promise<InfraState[]> {
  const containers = await listInfraContainers(api, owner);
  return entries.map((entry) => {
    const c = containers.find((x) => infraNameOf(x.Labels) === entry.name);
    const plan = planInfra(entry, owner);
    const outdated = c !== undefined && c.Labels[LABEL.optionsHash] !== plan.hash;
    return {
      name: entry.name,
      kind: entry.kind,
      image: entry.image,
      container: infraContainerName(owner.stem, entry.name),
      containerId: c?.Id,
      state: c?.State ?? 'absent',
      ports: (c?.Ports ?? [])
        .filter((p) => p.PublicPort !== undefined)
        .map((p) => ({ host: p.PublicPort, container: p.PrivatePort })),
      url: displayUrl(entry),
      ready: c?.State === 'running' && !outdated && !c.Status.includes('(unhealthy)'),
      outdated,
      createdAt: c ? new Date(c.Created * 1000).toISOString() : undefined,
      status: c?.Status,
    };
  });
}
