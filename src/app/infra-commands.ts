import type { ResolvedConfig } from '../config/types.js';
import { infraResourceState } from '../dashboard/infra-resources.js';
import type { ResourceState } from '../dashboard/resource-state.js';
import { DockerApi } from '../database/docker/api.js';
import type { Destroyable } from '../database/engine.js';
import { infraOwner } from '../infra/boot-infra.js';
import { infraNameOf, listInfraContainers } from '../infra/infra-containers.js';
import {
  type InfraResource,
  infraEntryResources,
  listInfraResources,
  removeInfraResources,
  stopInfra,
} from '../infra/infra-lifecycle.js';
import type { InfraOwner } from '../infra/infra-plan.js';
import { type InfraState, infraStates } from '../infra/infra-state.js';
import { describeInfraReady } from '../infra/infra-values.js';
import { stopNative } from '../infra/native/start-native.js';

/** Whose infra it is (project, checkout, Docker names), its entries, and where native data lives. */
export type ProjectInfraSettings = Pick<ResolvedConfig, 'project' | 'root' | 'database' | 'stateDir' | 'infra'>;

// What down, status, reset, ls and prune do with infra: loaded only when a config (or a checkout) has some.

/** Docker when an engine answers; undefined otherwise (the native programs are then the ones to stop). */
async function dockerOrUndefined(): Promise<DockerApi | undefined> {
  const api = new DockerApi();
  return api.endpoint && (await api.ping()) ? api : undefined;
}

/** `devup down`: stops the infra containers (or native programs) of this checkout; data kept. */
export async function stopProjectInfra(config: ProjectInfraSettings): Promise<string[]> {
  const api = await dockerOrUndefined();
  const native = stopNative(config.infra, config.stateDir);
  return api ? [...(await stopInfra(api, infraOwner(config))), ...native] : native;
}

/** `devup down --volumes`: what it would remove, as the list it shows before asking. */
export async function infraDestroyables(
  config: Pick<ResolvedConfig, 'project' | 'root' | 'database'>,
): Promise<{ items: Destroyable[]; remove: () => Promise<void> }> {
  const api = await dockerOrUndefined();
  if (!api) return { items: [], remove: async () => {} };
  return destroyablesOf(api, infraOwner(config));
}

/** The same for a deleted checkout (`devup prune`), from the names its registry entry kept. */
export async function infraDestroyablesOf(
  owner: InfraOwner,
): Promise<{ items: Destroyable[]; remove: () => Promise<void> }> {
  const api = await dockerOrUndefined();
  if (!api) return { items: [], remove: async () => {} };
  return destroyablesOf(api, owner);
}

async function destroyablesOf(api: DockerApi, owner: InfraOwner) {
  const resources = await listInfraResources(api, owner);
  return { items: resources.map(toDestroyable), remove: () => removeInfraResources(api, resources) };
}

function toDestroyable(resource: InfraResource): Destroyable {
  return { kind: resource.kind, name: resource.name, detail: `infra.${resource.infra}` };
}

/** `devup reset --infra NAME`: that entry's container and volumes (the next `devup dev` starts it empty). */
export async function infraResetPlan(
  config: ProjectInfraSettings,
  name: string,
): Promise<{ items: Destroyable[]; remove: () => Promise<void> }> {
  const api = new DockerApi();
  const resources = await infraEntryResources(
    api,
    infraOwner(config),
    name,
    config.infra.map((i) => i.name),
  );
  return { items: resources.map(toDestroyable), remove: () => removeInfraResources(api, resources) };
}

/** `devup ls`: a checkout's infra containers and their state, in one call (none when no engine answers). */
export async function infraContainerStates(owner: InfraOwner): Promise<{ name: string; state: string }[]> {
  const api = await dockerOrUndefined();
  if (!api) return [];
  const containers = await listInfraContainers(api, owner);
  return containers.map((c) => ({ name: infraNameOf(c.Labels) ?? c.Names[0] ?? c.Id, state: c.State }));
}

/** `devup status`: each entry's state, from one Docker call; undefined when no engine answers. */
export async function projectInfraStates(config: ProjectInfraSettings): Promise<InfraState[] | undefined> {
  const api = await dockerOrUndefined();
  return api ? infraStates(api, config.infra, infraOwner(config)) : undefined;
}

/** `devup status --json`'s infra rows of `resources` when no dashboard answers (the page's shape). */
export function infraResourceRows(
  config: Pick<ResolvedConfig, 'infra'>,
  states: readonly InfraState[],
): ResourceState[] {
  return states.map((state) => {
    const entry = config.infra.find((e) => e.name === state.name);
    return infraResourceState(state, entry ? { check: describeInfraReady(entry.ready) } : undefined);
  });
}
