import { expect, it } from 'vitest';
import type { ServiceSettings } from '../../../src/config/types.js';
import { ServiceResources } from '../../../src/dashboard/service-resources.js';
import type { ServiceState } from '../../../src/services/service-status.js';

function settings(name: string, dependsOn: string[] = []): ServiceSettings {
  return { name, command: { argv: ['node', 'x'] }, dependsOn, ready: { kind: 'none' } } as unknown as ServiceSettings;
}

/** What the supervisor says about its services: the states keep-going leaves after a failed start. */
function resources(states: ServiceState[], readOnly = false) {
  const supervisor = {
    states: () => states,
    restart: async () => [],
    stopOne: async () => {},
    startOne: async () => {},
    environment: () => undefined,
  };
  const services = [settings('api'), settings('broken'), settings('web', ['broken'])];
  return new ServiceResources(supervisor, services, { readOnly });
}

it('keep-going: a failed service says why and can be started; a blocked one names the service it waits for', () => {
  const source = resources([
    { name: 'api', status: 'ready', pid: 10 },
    { name: 'broken', status: 'failed' },
    { name: 'web', status: 'blocked' },
  ]);
  source.observe({
    type: 'failed',
    service: 'broken',
    reason: 'Service "broken" exited with code 1 before it was ready',
    lastLines: [],
    exit: { code: 1, signal: null },
  });
  const [api, broken, web] = source.states();
  expect(api).toMatchObject({ state: 'ready', actions: ['stop', 'restart'], detail: null });
  expect(broken).toMatchObject({
    state: 'failed',
    actions: ['start'],
    detail: 'Service "broken" exited with code 1 before it was ready',
    lastExit: 'exited with code 1',
  });
  expect(web).toMatchObject({ state: 'blocked', actions: [], detail: expect.stringContaining('depends on broken') });
});

it('a failure is forgotten once the service starts again', () => {
  const states: ServiceState[] = [{ name: 'broken', status: 'failed' }];
  const source = resources(states);
  source.observe({ type: 'failed', service: 'broken', reason: 'boom', lastLines: [], exit: undefined });
  expect(source.states()[0]?.detail).toBe('boom');
  states[0] = { name: 'broken', status: 'starting', pid: 12 };
  source.observe({ type: 'starting', service: 'broken', pid: 12, attempt: 1 });
  expect(source.states()[0]).toMatchObject({ detail: null, actions: ['stop', 'restart'] });
});
