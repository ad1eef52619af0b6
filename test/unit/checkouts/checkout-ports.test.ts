import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyPorts,
  candidateOffsets,
  configuredPorts,
  movedDockerName,
  samePorts,
  shiftPorts,
} from '../../../src/checkouts/checkout-ports.js';
import { createWorkspace } from '../../helpers/workspace.js';

function demoConfig() {
  const ws = createWorkspace({ 'a/.keep': '', 'b/.keep': '' });
  return ws.config({
    project: 'shop',
    database: { port: 54329 },
    services: {
      auth: { cwd: 'a', command: 'node a.js', port: 4001, ready: { http: '/health' } },
      workflow: { cwd: 'b', command: 'node b.js', port: 4002, ready: { tcp: 4002 } },
      probe: { cwd: 'b', command: 'x', port: 4003, ready: { http: 'http://127.0.0.1:9999/ok' } },
      worker: { cwd: 'b', command: 'node w.js' },
    },
  });
}

describe('checkout ports', () => {
  it('names a moved checkout after the project and a short hash of its root, the same every time', () => {
    const name = movedDockerName('shop', '/home/ana/review/shop');
    expect(name).toMatch(/^shop-[0-9a-f]{6}$/);
    expect(movedDockerName('shop', '/home/ana/review/shop')).toBe(name);
    expect(movedDockerName('shop', '/home/ana/work/shop')).not.toBe(name);
  });

  it('shifts every port by the offset, services without a port left out', () => {
    const ports = configuredPorts(demoConfig());
    expect(ports).toEqual({ database: 54329, services: { auth: 4001, workflow: 4002, probe: 4003 } });
    expect(shiftPorts(ports, 100)).toEqual({ database: 54429, services: { auth: 4101, workflow: 4102, probe: 4103 } });
    expect(samePorts(ports, shiftPorts(ports, 0))).toBe(true);
    expect(samePorts(ports, { database: 54329, services: { auth: 4001 } })).toBe(false);
  });

  it('tries the recorded offset first, then steps of 100 that keep every port valid', () => {
    const ports = { database: 65_300, services: { api: 4000 } };
    expect(candidateOffsets(ports, 200)).toEqual([200, 100]);
    expect(candidateOffsets(ports, undefined)).toEqual([100, 200]);
    expect(candidateOffsets({ database: 65_500, services: {} }, undefined)).toEqual([]);
  });

  it('moves ports, readiness checks on the own port and the Docker names, and nothing else', () => {
    const config = demoConfig();
    const moved = applyPorts(config, shiftPorts(configuredPorts(config), 100), 'shop-abc123');
    expect(moved.database.port).toBe(54429);
    expect(moved.database.dockerName).toBe('shop-abc123');
    const byName = Object.fromEntries(moved.services.map((s) => [s.name, s]));
    expect(byName.auth?.port).toBe(4101);
    expect(byName.auth?.ready).toEqual({ kind: 'http', url: 'http://127.0.0.1:4101/health' });
    expect(byName.workflow?.ready).toEqual({ kind: 'tcp', port: 4102 });
    // Another address is the user's own business.
    expect(byName.probe?.ready).toEqual({ kind: 'http', url: 'http://127.0.0.1:9999/ok' });
    expect(byName.worker?.port).toBeUndefined();
    // The configured config is left as it was.
    expect(config.database.port).toBe(54329);
    expect(path.isAbsolute(moved.root)).toBe(true);
  });

  it('shifts infra host ports with the checkout; container ports stay', () => {
    const ws = createWorkspace();
    const config = ws.config({
      infra: { cache: { kind: 'redis' }, queue: { kind: 'rabbitmq', ports: { 5672: 5680 } } },
      services: { api: { command: 'x' } },
    });
    const ports = configuredPorts(config);
    expect(ports.infra).toEqual({ 'cache/6379': 6379, 'queue/5672': 5680 });
    const moved = applyPorts(config, shiftPorts(ports, 200), 'x-abc123');
    expect(moved.infra.map((i) => i.ports)).toEqual([
      [{ container: 6379, host: 6579 }],
      [{ container: 5672, host: 5880 }],
    ]);
    // A record written before infra existed has none: the same as an empty set.
    expect(samePorts({ database: 1, services: {} }, { database: 1, services: {}, infra: {} })).toBe(true);
  });
});
