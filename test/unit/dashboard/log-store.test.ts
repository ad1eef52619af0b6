import { expect, it } from 'vitest';
import { RingLogStore } from '../../../src/dashboard/log-store.js';

it('keeps the newest lines of each resource up to its bound, merged in arrival order', () => {
  const store = new RingLogStore(3);
  for (let i = 1; i <= 5; i++) store.append('auth', 'stdout', `auth ${i}`);
  store.append('workflow', 'stderr', 'workflow 1');
  expect(store.lines(['auth']).map((l) => l.text)).toEqual(['auth 3', 'auth 4', 'auth 5']);
  expect(store.lines().map((l) => l.text)).toEqual(['auth 3', 'auth 4', 'auth 5', 'workflow 1']);
  expect(store.lines(['workflow'])[0]).toMatchObject({ resource: 'workflow', source: 'stderr', seq: 6 });
});
