import { expect, it } from 'vitest';
import { pruneSummary } from '../../../src/app/prune-summary.js';

it('counts only the checkouts whose entry went, and names one that stays with why', () => {
  expect(
    pruneSummary([
      { root: '/gone/a', removed: ['a-pgdata'], kept: [] },
      { root: '/gone/b', removed: [], kept: ['Docker did not answer at DOCKER_HOST=unix:///x.sock'] },
    ]),
  ).toEqual({
    lines: [
      '✔ Pruned 1 deleted checkout (a-pgdata)',
      '! Kept the entry of /gone/b: Docker did not answer at DOCKER_HOST=unix:///x.sock. Run devup prune again once that answers.',
    ],
    complete: false,
  });
});

it('says nothing was pruned when every entry stays', () => {
  expect(pruneSummary([{ root: '/gone/b', removed: [], kept: ['why'] }])).toEqual({
    lines: ['! Kept the entry of /gone/b: why. Run devup prune again once that answers.'],
    complete: false,
  });
  expect(pruneSummary([{ root: '/gone/a', removed: [], kept: [] }]).lines).toEqual(['✔ Pruned 1 deleted checkout']);
});
