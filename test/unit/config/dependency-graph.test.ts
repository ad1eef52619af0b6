import { describe, expect, it } from 'vitest';
import { configGraph, DependencyGraph, dependencyCycle, neededBy } from '../../../src/config/dependency-graph.js';
import type { InfraSettings, ServiceSettings } from '../../../src/config/types.js';

const node = (name: string, dependsOn: string[] = []) => ({ name, dependsOn });
const service = (name: string, dependsOn: string[] = [], env: Record<string, string> = {}) =>
  ({ name, dependsOn, env }) as unknown as ServiceSettings;
const infra = (name: string, dependsOn: string[] = []) => ({ name, dependsOn }) as unknown as InfraSettings;
const names = (nodes: readonly { name: string }[]) => nodes.map((n) => n.name);

describe('a cycle', () => {
  it('is found with the names along it, and none in a graph without one', () => {
    expect(new DependencyGraph([node('a', ['b']), node('b', ['c']), node('c', ['a'])]).findCycle()).toEqual([
      'a',
      'b',
      'c',
      'a',
    ]);
    expect(new DependencyGraph([node('a', ['b']), node('b')]).findCycle()).toBeUndefined();
  });

  it('through infra is named by the infra key, even when it is reached from a service', () => {
    const problem = dependencyCycle([service('api', ['a'])], [infra('a', ['b']), infra('b', ['a'])]);
    expect(problem).toEqual({
      path: 'infra.a.dependsOn',
      message: 'dependency cycle: a → b → a (remove one of these dependsOn entries)',
    });
  });

  it('of services is named by the service key', () => {
    const problem = dependencyCycle([service('web', ['api']), service('api', ['web'])], []);
    expect(problem?.path).toBe('services.web.dependsOn');
    expect(problem?.message).toMatch(/^dependency cycle: web → api → web/);
  });

  it('is none where a service and an infra entry depend on the same name apart', () => {
    // A service's `cache` is the infra entry; infra's dependsOn never reaches a service.
    expect(dependencyCycle([service('api', ['cache'])], [infra('cache')])).toBeUndefined();
  });

  it('refuses an order', () => {
    expect(() => new DependencyGraph([node('a', ['b']), node('b', ['a'])]).order()).toThrow(
      'dependency cycle: a → b → a',
    );
  });
});

describe('the order', () => {
  it('puts each node after what it depends on and keeps the given order otherwise', () => {
    const graph = new DependencyGraph([node('web', ['api']), node('jobs'), node('api', ['auth']), node('auth')]);
    expect(names(graph.order())).toEqual(['jobs', 'auth', 'api', 'web']);
    expect(names(new DependencyGraph([node('c'), node('b'), node('a')]).order())).toEqual(['c', 'b', 'a']);
  });

  it('ignores names outside the graph and a node naming itself', () => {
    const graph = new DependencyGraph([node('web', ['api', 'web'])]);
    expect(names(graph.order())).toEqual(['web']);
    expect(graph.findCycle()).toBeUndefined();
  });

  it('lists what depends on each node', () => {
    const web = node('web', ['api', 'auth']);
    const api = node('api', ['auth']);
    const auth = node('auth');
    const graph = new DependencyGraph([web, api, auth, node('jobs')]);
    expect(names(graph.dependentsOf(auth))).toEqual(['web', 'api']);
    expect(names(graph.dependentsOf(web))).toEqual([]);
    expect(names(graph.withDependents(['auth']))).toEqual(['web', 'api', 'auth']);
  });
});

describe('runs', () => {
  it('start each node once what it depends on has resolved, with their values', async () => {
    const started: string[] = [];
    const graph = new DependencyGraph([node('web', ['api']), node('api', ['auth']), node('auth')]);
    const values = await Promise.all(
      graph.runDependenciesFirst(async (n, before: string[]) => {
        started.push(n.name);
        return [n.name, ...before].join('<');
      }),
    );
    expect(started).toEqual(['auth', 'api', 'web']);
    expect(values).toEqual(['web<api<auth', 'api<auth', 'auth']);
  });

  it('stop dependents first', async () => {
    const stopped: string[] = [];
    const graph = new DependencyGraph([node('auth'), node('api', ['auth']), node('web', ['api'])]);
    await graph.dependentsFirst(async (n) => stopped.push(n.name));
    expect(stopped).toEqual(['web', 'api', 'auth']);
  });

  it('do not run a node whose dependency failed, and reject it with that failure', async () => {
    const ran: string[] = [];
    const graph = new DependencyGraph([node('auth'), node('api', ['auth']), node('jobs')]);
    const settled = await Promise.allSettled(
      graph.runDependenciesFirst(async (n) => {
        ran.push(n.name);
        if (n.name === 'auth') throw new Error('auth failed');
      }),
    );
    expect(ran.sort()).toEqual(['auth', 'jobs']);
    expect(settled.map((s) => (s.status === 'rejected' ? String(s.reason) : s.status))).toEqual([
      'Error: auth failed',
      'Error: auth failed',
      'fulfilled',
    ]);
  });
});

describe('--only', () => {
  const services = [
    service('web', ['api']),
    service('api', ['auth', 'cache']),
    service('auth'),
    service('worker', [], { QUEUE: '{infra.queue.url}/jobs' }),
  ];
  const entries = [infra('cache'), infra('queue', ['store']), infra('store'), infra('mail')];

  it('needs the services named, and every service and infra entry they need, in config order', () => {
    const needed = neededBy(services, entries, ['web']);
    expect(names(needed.services)).toEqual(['web', 'api', 'auth']);
    expect(names(needed.infra)).toEqual(['cache']);
  });

  it('follows an env placeholder to infra, and that infra to its own dependencies', () => {
    const needed = neededBy(services, entries, ['worker', 'auth']);
    expect(names(needed.services)).toEqual(['auth', 'worker']);
    expect(names(needed.infra)).toEqual(['queue', 'store']);
  });

  it('is one graph of both, keyed by config key', () => {
    expect(names(configGraph(services.slice(1, 2), entries.slice(0, 1)).order())).toEqual([
      'infra.cache',
      'services.api',
    ]);
  });
});
