import { expect, it } from 'vitest';
import { CheckProgress, STILL_RUNNING_AFTER_MS, span } from '../../../src/check/check-progress.js';
import type { Migration } from '../../../src/migrations/migration.js';
import type { SqlTarget } from '../../../src/migrations/sql/apply.js';

const target = (schema: string) => ({ service: 'api', tenant: 'default', schema, database: undefined }) as SqlTarget;
const migration = (id: string) => ({ id }) as Migration;

it('names the migration that keeps the check waiting, longest first, and forgets finished targets', () => {
  let now = 0;
  const lines: string[] = [];
  const progress = new CheckProgress(
    (line) => lines.push(line),
    300_000,
    () => now,
  );
  progress.start();
  progress.stop(); // the interval is driven by hand here
  expect(lines).toEqual(['› Applying migrations (statement timeout 5 min: check.statementTimeout)']);

  progress.onEvent({ type: 'target-start', target: target('api_a') });
  progress.onEvent({ type: 'file-start', target: target('api_a'), migration: migration('0001_slow') });
  now = 1_000;
  progress.onEvent({ type: 'file-start', target: target('api_b'), migration: migration('0002_quick') });
  now = STILL_RUNNING_AFTER_MS;
  lines.length = 0;
  progress.report();
  expect(lines).toEqual(['› Still running: 0001_slow in api_a (5 s so far, stopped at 5 min)']);

  lines.length = 0;
  now = 6_000;
  progress.report(); // said once per 5 s of a run, not on every look
  expect(lines).toEqual(['› Still running: 0002_quick in api_b (5 s so far, stopped at 5 min)']);

  now = 12_000;
  lines.length = 0;
  progress.onEvent({ type: 'target-done', target: target('api_a'), applied: ['0001_slow'], ms: 12_000 });
  progress.report();
  expect(lines).toEqual(['› Still running: 0002_quick in api_b (11 s so far, stopped at 5 min)']);
});

it('writes spans people read', () => {
  expect([500, 12_000, 89_000, 300_000, 7_200_000].map(span)).toEqual(['1 s', '12 s', '89 s', '5 min', '2 h']);
});
