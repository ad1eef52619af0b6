import { expect, it } from 'vitest';
import { type InfraFeed, InfraResources, infraResourceState } from '../../../src/dashboard/infra-resources.js';
import type { InfraState } from '../../../src/infra/infra-state.js';

const state = (overrides: Partial<InfraState>): InfraState => ({
  name: 'cache',
  kind: 'redis',
  image: 'redis:7',
  container: 'shop-cache',
  containerId: 'abc',
  state: 'running',
  ports: [{ host: 6379, container: 6379 }],
  url: 'redis://127.0.0.1:6379',
  ready: true,
  outdated: false,
  createdAt: undefined,
  status: 'Up 5 minutes',
  ...overrides,
});

it('shows a running entry ready with its check and time, an exited one with its exit, an absent one without a container', () => {
  expect(infraResourceState(state({}), { check: 'runs redis-cli ping', readyMs: 12.4 })).toMatchObject({
    kind: 'infra',
    name: 'cache',
    state: 'ready',
    container: 'shop-cache',
    readiness: 'runs redis-cli ping',
    readyMs: 12,
    detail: 'Up 5 minutes',
    lastExit: null,
    actions: [],
  });
  expect(infraResourceState(state({ state: 'exited', status: 'Exited (137) 2 seconds ago' }))).toMatchObject({
    state: 'exited',
    lastExit: 'Exited (137) 2 seconds ago',
    detail: null,
    readyMs: null,
  });
  expect(infraResourceState(state({ state: 'absent', containerId: undefined, status: undefined }))).toMatchObject({
    state: 'absent',
    container: null,
    detail: 'no container (`devup dev` creates it)',
  });
  expect(infraResourceState(state({ outdated: true })).detail).toBe(
    'config changed: the next `devup dev` recreates it',
  );
});

it('after a death, asks again until the list stops saying running, then tells the page once', async () => {
  const answers = [state({}), state({}), state({ state: 'exited', status: 'Exited (137) now' })];
  let asked = 0;
  let died: ((name: string) => void) | undefined;
  const feed: InfraFeed = {
    states: async () => [answers[Math.min(asked++, answers.length - 1)] as InfraState],
    readiness: new Map(),
    environment: () => undefined,
    onChange: (listener) => {
      died = listener;
      return () => {};
    },
  };
  const resources = new InfraResources(feed, [state({})]);
  let told = 0;
  resources.onChange(() => told++);
  died?.('cache');
  await expect.poll(() => told).toBe(1);
  expect(asked).toBe(3);
  expect(resources.states()[0]?.state).toBe('exited');
  await expect(resources.act('cache')).rejects.toThrow('infra.cache is not stopped or restarted from the dashboard');
});
