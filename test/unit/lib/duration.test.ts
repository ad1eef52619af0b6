import { expect, it } from 'vitest';
import { parseDuration } from '../../../src/lib/duration.js';
import { createWorkspace } from '../../helpers/workspace.js';

it('reads durations written 500ms, 30s, 2m, 1h', () => {
  expect(['500ms', '30s', '2m', '1h', '1.5s', ' 10 s '].map(parseDuration)).toEqual([
    500, 30_000, 120_000, 3_600_000, 1_500, 10_000,
  ]);
  for (const bad of ['30', 's', '-1s', '0s', '2 minutes', '1d', '']) expect(parseDuration(bad)).toBeUndefined();
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
      /migrations\.lockTimeout.*not a duration \(write e\.g\. 500ms, 30s, 2m\)/,
    );
  } finally {
    ws.cleanup();
  }
});
