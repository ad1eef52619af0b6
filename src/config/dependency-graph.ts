import { infraReferences } from './env-placeholders.js';
import type { InfraSettings, ServiceSettings } from './types.js';

/** What a graph holds: anything that names what it depends on (a service, an infra entry). */
export interface Dependent {
  readonly name: string;
  readonly dependsOn: readonly string[];
}

/**
 * The one owner of dependency order: cycles, the order to start and stop in, and what a
 * selection needs. A name outside the graph is no edge, so a subset (the services a restart
 * chose) orders itself; a name the config got wrong is reported by the config's rules.
 */
export class DependencyGraph<T extends Dependent> {
  readonly nodes: readonly T[];
  readonly #byName: ReadonlyMap<string, T>;
  readonly #dependents: ReadonlyMap<T, T[]>;

  constructor(nodes: readonly T[]) {
    this.nodes = nodes;
    this.#byName = new Map(nodes.map((node) => [node.name, node]));
    const dependents = new Map<T, T[]>(nodes.map((node) => [node, []]));
    for (const node of nodes)
      for (const dependency of this.dependenciesOf(node)) dependents.get(dependency)?.push(node);
    this.#dependents = dependents;
  }

  /** What `node` depends on within the graph, once each, in its dependsOn order (itself left out). */
  dependenciesOf(node: T): T[] {
    const found = new Set<T>();
    for (const name of node.dependsOn) {
      const dependency = this.#byName.get(name);
      if (dependency !== undefined && dependency !== node) found.add(dependency);
    }
    return [...found];
  }

  /** What depends on `node` within the graph, in graph order. */
  dependentsOf(node: T): T[] {
    return this.#dependents.get(node) ?? [];
  }

  /** A cycle as the names along it, the first repeated at the end ([a, b, a]), or undefined. */
  findCycle(): string[] | undefined {
    const state = new Map<T, 'visiting' | 'done'>();
    const stack: T[] = [];
    const visit = (node: T): T[] | undefined => {
      const seen = state.get(node);
      if (seen === 'done') return undefined;
      if (seen === 'visiting') return [...stack.slice(stack.indexOf(node)), node];
      state.set(node, 'visiting');
      stack.push(node);
      for (const next of this.dependenciesOf(node)) {
        const cycle = visit(next);
        if (cycle) return cycle;
      }
      stack.pop();
      state.set(node, 'done');
      return undefined;
    };
    for (const node of this.nodes) {
      const cycle = visit(node);
      if (cycle) return cycle.map((n) => n.name);
    }
    return undefined;
  }

  /** Each node after what it depends on, otherwise in graph order, so that the order is stable. */
  order(): T[] {
    const placed = new Set<T>();
    while (placed.size < this.nodes.length) {
      const next = this.nodes.find((n) => !placed.has(n) && this.dependenciesOf(n).every((d) => placed.has(d)));
      // The config's rules refuse cycles; a graph built past them is a bug.
      if (next === undefined) throw new Error(`dependency cycle: ${this.findCycle()?.join(' → ')}`);
      placed.add(next);
    }
    return [...placed];
  }

  /** The named nodes and everything they depend on, transitively, in graph order. */
  withDependencies(names: readonly string[]): T[] {
    return this.#closure(names, (node) => this.dependenciesOf(node));
  }

  /** The named nodes and everything that depends on them, transitively, in graph order. */
  withDependents(names: readonly string[]): T[] {
    return this.#closure(names, (node) => this.dependentsOf(node));
  }

  /**
   * Runs `fn` for each node once its runs for what it depends on have resolved, passing their
   * values; the others at the same time. A node whose dependency's run rejected is not run, and
   * its run rejects alike. The runs, in graph order: the caller decides whether to wait for all.
   */
  runDependenciesFirst<R>(fn: (node: T, dependencies: R[]) => Promise<R>): Promise<R>[] {
    return this.#runs(fn, (node) => this.dependenciesOf(node));
  }

  /** The same, in stopping order: each node once everything that depends on it is done. */
  runDependentsFirst<R>(fn: (node: T, dependents: R[]) => Promise<R>): Promise<R>[] {
    return this.#runs(fn, (node) => this.dependentsOf(node));
  }

  /** Starting order; rejects at the first failure, as Promise.all does. */
  async dependenciesFirst(fn: (node: T) => Promise<unknown>): Promise<void> {
    await Promise.all(this.runDependenciesFirst(async (node) => void (await fn(node))));
  }

  /** Stopping order; rejects at the first failure, as Promise.all does. */
  async dependentsFirst(fn: (node: T) => Promise<unknown>): Promise<void> {
    await Promise.all(this.runDependentsFirst(async (node) => void (await fn(node))));
  }

  #closure(names: readonly string[], next: (node: T) => T[]): T[] {
    const wanted = new Set<T>();
    const add = (node: T) => {
      if (wanted.has(node)) return;
      wanted.add(node);
      for (const other of next(node)) add(other);
    };
    for (const name of names) {
      const node = this.#byName.get(name);
      if (node !== undefined) add(node);
    }
    return this.nodes.filter((node) => wanted.has(node));
  }

  #runs<R>(fn: (node: T, before: R[]) => Promise<R>, before: (node: T) => T[]): Promise<R>[] {
    const runs = new Map<T, Promise<R>>();
    const run = (node: T): Promise<R> => {
      let promise = runs.get(node);
      if (promise === undefined) {
        promise = Promise.all(before(node).map(run)).then((values) => fn(node, values));
        // Awaited by the runs after it and by the caller: a rejection is reported there, once.
        promise.catch(() => {});
        runs.set(node, promise);
      }
      return promise;
    };
    return this.nodes.map(run);
  }
}

/** A node of a config's graph: named by its config key (`services.api`, `infra.cache`). */
export type ConfigNode =
  | { name: string; dependsOn: string[]; kind: 'services'; settings: ServiceSettings }
  | { name: string; dependsOn: string[]; kind: 'infra'; settings: InfraSettings };

/**
 * Services and infra as one graph. A service needs what its dependsOn names (a service, else an
 * infra entry) and the infra its env's `{infra.NAME.…}` placeholders name; infra needs infra.
 */
export function configGraph(
  services: readonly ServiceSettings[],
  infra: readonly InfraSettings[],
): DependencyGraph<ConfigNode> {
  const serviceNames = new Set(services.map((s) => s.name));
  const serviceNeeds = (service: ServiceSettings) => [
    ...service.dependsOn.map((name) => (serviceNames.has(name) ? `services.${name}` : `infra.${name}`)),
    ...Object.values(service.env).flatMap((value) => infraReferences(value).map((r) => `infra.${r.infra}`)),
  ];
  return new DependencyGraph<ConfigNode>([
    ...infra.map((entry) => ({
      name: `infra.${entry.name}`,
      dependsOn: entry.dependsOn.map((name) => `infra.${name}`),
      kind: 'infra' as const,
      settings: entry,
    })),
    ...services.map((service) => ({
      name: `services.${service.name}`,
      dependsOn: serviceNeeds(service),
      kind: 'services' as const,
      settings: service,
    })),
  ]);
}

/** A dependency cycle as a config problem: the key of its first entry's dependsOn, the names along it. */
export function dependencyCycle(
  services: readonly ServiceSettings[],
  infra: readonly InfraSettings[],
): { path: string; message: string } | undefined {
  const cycle = configGraph(services, infra).findCycle();
  if (cycle === undefined) return undefined;
  // Named as dependsOn names them; the key says whether they are services or infra.
  const names = cycle.map((key) => key.slice(key.indexOf('.') + 1));
  return {
    path: `${cycle[0]}.dependsOn`,
    message: `dependency cycle: ${names.join(' → ')} (remove one of these dependsOn entries)`,
  };
}

/**
 * What a run of the named services needs (`--only`): those services, and every service and
 * infra entry they need, transitively, each in config order.
 */
export function neededBy(
  services: readonly ServiceSettings[],
  infra: readonly InfraSettings[],
  names: readonly string[],
): { services: ServiceSettings[]; infra: InfraSettings[] } {
  const needed = configGraph(services, infra).withDependencies(names.map((name) => `services.${name}`));
  return {
    services: needed.flatMap((node) => (node.kind === 'services' ? [node.settings] : [])),
    infra: needed.flatMap((node) => (node.kind === 'infra' ? [node.settings] : [])),
  };
}
