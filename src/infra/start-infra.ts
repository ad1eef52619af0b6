import type Docker from 'dockerode';
import { savePassword } from '../config/default-password.js';
import { DependencyGraph } from '../config/dependency-graph.js';
import type { InfraSettings } from '../config/types.js';
import type { DockerApi } from '../database/docker/api.js';
import { createLabelledContainer, portTaken, startNamedContainer } from '../database/docker/container.js';
import { foreignResource, otherCheckout } from '../database/docker/diagnostics.js';
import { ensureImage } from '../database/docker/image.js';
import { LABEL } from '../database/docker/labels.js';
import type { ProgressSink } from '../database/engine.js';
import { isPortFree } from '../ports.js';
import { withProjectLock } from '../project-lock.js';
import { httpGet, tcpAnswers } from './answers.js';
import { infraNameOf, listInfraContainers } from './infra-containers.js';
import { hostPort, type InfraOwner, type InfraPlan, planInfra } from './infra-plan.js';

/** An entry that is ready, and what devup had to do for it. */
export interface StartedInfra {
  entry: InfraSettings;
  /** What runs it, for people: `container shop-cache (redis:7)`, `redis-server (pid 4242)`. */
  description: string;
  action: 'reused' | 'started' | 'created' | 'recreated';
  readyMs: number;
}

export interface StartInfraOptions {
  stateDir: string;
  sink: ProgressSink;
}

/**
 * Gets every entry ready in Docker. The warm path: one API call lists them all; when each runs
 * with the options the config asks for and its check passes (readyAsListed), nothing else is
 * asked of Docker. Otherwise each is reused, started, created or recreated (its volumes kept) and
 * waited for, an entry after the entries it depends on, the others at the same time.
 */
export async function startInfra(
  api: DockerApi,
  entries: InfraSettings[],
  owner: InfraOwner,
  options: StartInfraOptions,
): Promise<StartedInfra[]> {
  const started = performance.now();
  for (const entry of entries) keepGeneratedPassword(entry);
  const plans = entries.map((entry) => planInfra(entry, owner));
  const existing = await existingByName(api, owner);
  const warm = await warmReuse(plans, existing, started);
  if (warm) return warm;
  return withProjectLock(options.stateDir, 'infra', async () => {
    // Another devup may have created some while this one waited for the lock.
    const current = await existingByName(api, owner);
    return inDependencyOrder(plans, (plan) => bringUp(api, plan, current.get(plan.entry.name), owner, options.sink));
  });
}

/** The first container of this checkout: its generated password is kept from now on (a kept volume keeps it). */
function keepGeneratedPassword(entry: InfraSettings): void {
  const file = entry.unsavedPasswordFile;
  if (file === undefined) return;
  const saved = savePassword(file, entry.password);
  for (const [key, value] of Object.entries(entry.env)) if (value === entry.password) entry.env[key] = saved;
  entry.password = saved;
  delete entry.unsavedPasswordFile;
}

async function existingByName(api: DockerApi, owner: InfraOwner): Promise<Map<string, Docker.ContainerInfo>> {
  const containers = await listInfraContainers(api, owner);
  const byName = new Map<string, Docker.ContainerInfo>();
  for (const c of containers) {
    const name = infraNameOf(c.Labels);
    if (name !== undefined) byName.set(name, c);
  }
  return byName;
}

async function warmReuse(
  plans: InfraPlan[],
  existing: Map<string, Docker.ContainerInfo>,
  started: number,
): Promise<StartedInfra[] | undefined> {
  const ready = await Promise.all(plans.map((plan) => readyAsListed(plan, existing.get(plan.entry.name))));
  if (!ready.every(Boolean)) return undefined;
  const readyMs = performance.now() - started;
  return plans.map((plan) => ({ entry: plan.entry, description: describe(plan), action: 'reused', readyMs }));
}

/**
 * Whether a listed container is ready without asking Docker anything more: running with the
 * options the config asks for, and its check passing. A command check is the container's own
 * healthcheck, so the list's status says it (`Up 2 hours (healthy)`); http and tcp are asked
 * directly (a request on loopback). A log check, or a container still `(health: starting)`, goes
 * the long way: probed, and waited for until ready.
 */
async function readyAsListed(plan: InfraPlan, c: Docker.ContainerInfo | undefined): Promise<boolean> {
  if (c?.State !== 'running' || c.Labels[LABEL.optionsHash] !== plan.hash) return false;
  const { ready } = plan.entry;
  switch (ready.kind) {
    case 'command':
      return /\(healthy\)/.test(c.Status);
    case 'http': {
      const answer = await httpGet(hostPort(plan, ready.port), ready.path, 1_000);
      return 'status' in answer && answer.status >= 200 && answer.status < 300;
    }
    case 'tcp':
      return tcpAnswers(hostPort(plan, ready.port));
    case 'log':
      return false;
  }
}

/** Runs `fn` for each plan once those it depends on are done; the others at the same time. */
async function inDependencyOrder<T>(plans: InfraPlan[], fn: (plan: InfraPlan) => Promise<T>): Promise<T[]> {
  const graph = new DependencyGraph(
    plans.map((plan) => ({ name: plan.entry.name, dependsOn: plan.entry.dependsOn, plan })),
  );
  // Every start finishes (or fails) before the first failure is thrown: nothing is left starting.
  const settled = await Promise.allSettled(graph.runDependenciesFirst((node) => fn(node.plan)));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

async function bringUp(
  api: DockerApi,
  plan: InfraPlan,
  existing: Docker.ContainerInfo | undefined,
  owner: InfraOwner,
  sink: ProgressSink,
): Promise<StartedInfra> {
  const began = performance.now();
  let action: StartedInfra['action'] = 'reused';
  let current = existing;
  if (current && current.Labels[LABEL.optionsHash] !== plan.hash) {
    sink.notice(`Recreating ${plan.container}: infra.${plan.entry.name} changed (its volumes are kept).`);
    await api.call('remove the old container', (docker) =>
      docker.getContainer(plan.container).remove({ force: true, v: plan.entry.data === 'ephemeral' }),
    );
    current = undefined;
    action = 'recreated';
  }
  if (!current) {
    await createInfraContainer(api, plan, owner, sink);
    if (action !== 'recreated') action = 'created';
  }
  if (current?.State !== 'running') {
    await startNamedContainer(api, plan.container, () => portTakenFor(api, plan, owner));
    if (action === 'reused') action = 'started';
  }
  // The probes (and Postgres's readiness module they share) load only when something is started.
  const { waitForInfra } = await import('./wait-for-infra.js');
  await waitForInfra(api, plan);
  return { entry: plan.entry, description: describe(plan), action, readyMs: performance.now() - began };
}

async function createInfraContainer(api: DockerApi, plan: InfraPlan, owner: InfraOwner, sink: ProgressSink) {
  const taken = await api.call('inspect the container', () => api.inspectContainer(plan.container));
  if (taken) {
    const labels = taken.Config.Labels ?? {};
    const other = labels[LABEL.checkout];
    if (labels[LABEL.project] === owner.project && other !== undefined && owner.checkout !== undefined) {
      throw otherCheckout('container', plan.container, owner.project, other, owner.checkout);
    }
    throw foreignResource('container', plan.container, owner.project);
  }
  for (const p of plan.spec.ports) {
    if (!(await isPortFree(p.host, p.bind)))
      throw await portTaken(api, p.host, owner.checkout, portKey(plan, p.container));
  }
  // Docker hands back an existing volume of that name as if it created it: one not labelled as
  // this project's would end up mounted.
  for (const { volume } of plan.spec.mounts) {
    const found = await api.call('inspect the volume', () => api.inspectVolume(volume));
    if (found && found.Labels?.[LABEL.project] !== owner.project)
      throw foreignResource('volume', volume, owner.project);
  }
  await ensureImage(await api.client(), plan.entry.image, sink, `infra.${plan.entry.name}.image`);
  await createLabelledContainer(api, plan.spec);
}

async function portTakenFor(api: DockerApi, plan: InfraPlan, owner: InfraOwner) {
  for (const p of plan.spec.ports) {
    if (!(await isPortFree(p.host, p.bind))) return portTaken(api, p.host, owner.checkout, portKey(plan, p.container));
  }
  const first = plan.spec.ports[0];
  return portTaken(api, first?.host ?? 0, owner.checkout, portKey(plan, first?.container ?? 0));
}

function describe(plan: InfraPlan): string {
  return `container ${plan.container} (${plan.entry.image})`;
}

function portKey(plan: InfraPlan, containerPort: number): string {
  return `infra.${plan.entry.name}.ports (container port ${containerPort})`;
}
