import { expect, it } from 'vitest';
import { isOwnerGone, parseOwner, throwawayOwner } from '../../../src/database/throwaway/leftovers.js';

it('judges only owners it can see: this process lives; a gone pid here is gone; another host or pid namespace counts as alive', () => {
  const here = throwawayOwner();
  expect(isOwnerGone(here, here)).toBe(false);
  // The same pid with another start time: a reused pid, so the owner is gone.
  const reused = { ...here, started: `${here.started}0` };
  expect(isOwnerGone(reused, here)).toBe(true);
  expect(isOwnerGone({ ...reused, host: `${here.host}-other` }, here)).toBe(false);
  expect(isOwnerGone({ ...reused, pidNamespace: 'pid:[1]' }, here)).toBe(false);
  expect(isOwnerGone(undefined, here)).toBe(false);
});

it('reads an owner label back, and nothing from a label that is not one', () => {
  const here = throwawayOwner();
  expect(parseOwner(JSON.stringify(here))).toEqual(here);
  expect(parseOwner('not json')).toBeUndefined();
  expect(parseOwner('{"pid":"1"}')).toBeUndefined();
});
