import { expect, it } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { durationFlag, durationProblem, parseDuration } from '../../../src/lib/duration.js';
import { createWorkspace } from '../../helpers/workspace.js';

it('reads durations written 500ms, 30s, 2m, 1h, 1d', () => {
  expect(['500ms', '30s', '2m', '1h', '1.5s', ' 10 s ', '1d'].map(parseDuration)).toEqual([
    500, 30_000, 120_000, 3_600_000, 1_500, 10_000, 86_400_000,
  ]);
  for (const bad of ['30', 's', '-1s', '0s', '2 minutes', '1w', '']) expect(parseDuration(bad)).toBeUndefined();
});

it('refuses a duration longer than the 2147483647 ms Postgres takes for statement_timeout', () => {
  expect(durationProblem('24d')).toBeUndefined();
  expect(durationProblem(2_147_483_647)).toBeUndefined();
  expect(durationProblem('600h')).toBe(
    '600h is longer than 24.8 days (2147483647 ms), the most Postgres and Node timers accept',
  );
  expect(durationProblem(2_147_483_648)).toMatch(/^2147483648 ms is longer than 24\.8 days/);
  expect(durationProblem('soon')).toBe('not a duration (write e.g. 500ms, 30s, 2m, 1d)');
});

it('--statement-timeout 600h is a usage error before anything runs', () => {
  expect(() => durationFlag('600h', '--statement-timeout')).toThrow(
    new UsageError(
      '--statement-timeout 600h: 600h is longer than 24.8 days (2147483647 ms), the most Postgres and Node timers accept',
    ),
  );
  expect(durationFlag('24d', '--statement-timeout')).toBe(2_073_600_000);
});

it('takes migrations.lockTimeout as text or milliseconds, and names a bad one', () => {
  const ws = createWorkspace();
  try {
    const config = ws.config({ migrations: { lockTimeout: '2s', statementTimeout: 60_000 }, services: { api: {} } });
    expect(config.migrations).toEqual({
      lockTimeoutMs: 2_000,
      statementTimeoutMs: 60_000,
      lockRetries: 4,
      contexts: ['dev'],
    });
    expect(ws.config({ services: { api: {} } }).migrations.lockTimeoutMs).toBeUndefined();
    expect(() => ws.config({ migrations: { lockTimeout: 'soon' }, services: { api: {} } })).toThrow(
      /migrations\.lockTimeout.*not a duration \(write e\.g\. 500ms, 30s, 2m, 1d\)/,
    );
    expect(() => ws.config({ migrations: { statementTimeout: '600h' }, services: { api: {} } })).toThrow(
      /migrations\.statementTimeout: 600h is longer than 24\.8 days/,
    );
  } finally {
    ws.cleanup();
  }
});
