import { afterEach, expect, it } from 'vitest';
import { LABEL } from '../../../src/database/docker/labels.js';
import { planInfra } from '../../../src/infra/infra-plan.js';
import { displayUrl, infraPlaceholderValues } from '../../../src/infra/infra-values.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

const owner = { project: 'shop', checkout: '/home/ana/shop', stem: 'shop' };

function infra(entries: Record<string, unknown>) {
  ws = createWorkspace();
  return ws.config({ infra: entries, services: { api: {} } }).infra;
}

it('labels the container and its volumes with project, checkout and entry; ports on loopback only', () => {
  const [cache] = infra({ cache: { kind: 'redis', ports: { 6379: 57010 } } });
  const plan = planInfra(cache!, owner);
  expect(plan.container).toBe('shop-cache');
  expect(plan.spec.ports).toEqual([{ container: 6379, host: 57010, bind: '127.0.0.1' }]);
  expect(plan.spec.mounts).toEqual([{ volume: 'shop-cache-data', target: '/data' }]);
  expect(plan.spec.labels).toMatchObject({
    [LABEL.project]: 'shop',
    [LABEL.checkout]: '/home/ana/shop',
    [LABEL.infra]: 'cache',
    [LABEL.optionsHash]: plan.hash,
  });
  expect(plan.spec.volumeLabels).toMatchObject({ [LABEL.project]: 'shop', [LABEL.infra]: 'cache' });
});

it('hashes what the container is made from: a changed env or port changes it, a log or http check does not', () => {
  const [a, b, c] = infra({
    a: { image: 'x:1', ports: { 80: 57011 }, env: { MODE: 'one' } },
    b: { image: 'x:1', ports: { 80: 57012 }, env: { MODE: 'one' } },
    c: { image: 'x:1', ports: { 80: 57013 }, env: { MODE: 'one' }, ready: { log: 'up' } },
  });
  const hash = (entry: typeof a, port: number) =>
    planInfra({ ...entry!, name: 'same', ports: [{ container: 80, host: port }] }, owner).hash;
  expect(hash(a, 1)).toBe(hash(b, 1));
  expect(hash(a, 1)).toBe(hash(c, 1));
  expect(hash(a, 1)).not.toBe(hash(a, 2));
  expect(hash({ ...a!, env: { MODE: 'two' } }, 1)).not.toBe(hash(a, 1));
});

it('a command check is also the container’s Docker healthcheck (an expected answer through grep), and in its hash', () => {
  const [cache, job, site] = infra({
    cache: { kind: 'redis', ports: { 6379: 57015 } },
    job: { image: 'x:1', ports: { 80: 57016 }, ready: { command: ['check', "it's up"] } },
    site: { image: 'x:1', ports: { 80: 57017 }, ready: { http: '/health' } },
  });
  const plan = planInfra(cache!, owner);
  expect(plan.spec.hostname).toBe('cache');
  expect(plan.spec.healthcheck).toEqual({
    test: ['CMD-SHELL', 'redis-cli ping | grep -qF -- PONG'],
    intervalMs: 10_000,
    timeoutMs: 10_000,
    startPeriodMs: 30_000,
    retries: 3,
  });
  expect(planInfra(job!, owner).spec.healthcheck?.test).toEqual(['CMD', 'check', "it's up"]);
  expect(planInfra(site!, owner).spec.healthcheck).toBeUndefined();
  const other = { ...job!, ready: { kind: 'command' as const, argv: ['check', 'again'] } };
  expect(planInfra(other, owner).hash).not.toBe(planInfra(job!, owner).hash);
});

it('ephemeral data gets no named volume; a moved checkout names its containers after its stem', () => {
  const [cache] = infra({ cache: { kind: 'redis', data: 'ephemeral' } });
  const plan = planInfra(cache!, { ...owner, stem: 'shop-3f9a1c' });
  expect(plan.spec.mounts).toEqual([]);
  expect(plan.container).toBe('shop-3f9a1c-cache');
});

it('gives services the preset URL, host, port and credentials; people see the password masked', () => {
  const entries = infra({
    cache: { kind: 'redis' },
    queue: { kind: 'rabbitmq', env: { RABBITMQ_DEFAULT_PASS: 's3cret' } },
    raw: { image: 'x:1', ports: { 9: 57014 } },
  });
  const values = infraPlaceholderValues(entries);
  expect(values['infra.cache.url']).toBe('redis://127.0.0.1:6379');
  expect(values['infra.queue.url']).toBe('amqp://devup:s3cret@127.0.0.1:5672');
  expect(values['infra.queue.user']).toBe('devup');
  expect(values['infra.queue.password']).toBe('s3cret');
  expect(values['infra.raw.url']).toBe('127.0.0.1:57014');
  expect(values['infra.raw.port']).toBe('57014');
  expect(displayUrl(entries[1]!)).toBe('amqp://devup:***@127.0.0.1:5672');
});
