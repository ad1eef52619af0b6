import { expect, it } from 'vitest';
import { chooseStrategy } from '../../../src/copies/copy-strategy.js';

const MiB = 1024 * 1024;

it('copies many small relations through the WAL, and few large ones file by file', () => {
  // A reset's demo at size: 2,250 relations (the catalogs' included) in about 19 MB.
  expect(chooseStrategy({ relations: 2250, bytes: 19 * MiB })).toBe('wal_log');
  // Two large tables and the catalogs: 276 relations in 267 MB.
  expect(chooseStrategy({ relations: 276, bytes: 267 * MiB })).toBe('file_copy');
  // The crossover is the average relation's size, a quarter of a MiB.
  expect(chooseStrategy({ relations: 4, bytes: MiB - 1 })).toBe('wal_log');
  expect(chooseStrategy({ relations: 4, bytes: MiB })).toBe('file_copy');
  expect(chooseStrategy({ relations: 0, bytes: 0 })).toBe('wal_log');
});
