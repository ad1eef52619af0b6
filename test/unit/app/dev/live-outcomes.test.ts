import { describe, expect, it } from 'vitest';
import { outcomeByService } from '../../../../src/app/dev/live-migrations.js';
import type { ServiceSettings } from '../../../../src/config/types.js';
import type { TargetOutcome } from '../../../../src/migrations/step/step-outcomes.js';

const outcome = (service: string, status: TargetOutcome['status'], applied: string[] = []): TargetOutcome => ({
  target: { service, tenant: 'default', schema: `${service}_default`, database: undefined },
  status,
  fresh: false,
  applied,
  pending: [],
});
const service = (name: string, migrations: unknown): ServiceSettings => ({ name, migrations }) as ServiceSettings;
const settings = [
  service('auth', { kind: 'sql' }),
  service('billing', { kind: 'tool', tool: 'alembic' }),
  service('reports', { kind: 'tool', tool: 'command' }),
];

describe('outcomeByService (what the live loop calls migrated)', () => {
  it('a service is migrated only when something was applied to it', () => {
    const result = {
      outcomes: [outcome('auth', 'applied', ['0007_add_user_locale']), outcome('billing', 'applied', [])],
    };
    expect(outcomeByService(result, settings)).toEqual({ migrated: ['auth'], failed: [] });
  });

  it('a tool that cannot say what it applied counts a successful run as migrated', () => {
    expect(outcomeByService({ outcomes: [outcome('reports', 'applied', [])] }, settings)).toEqual({
      migrated: ['reports'],
      failed: [],
    });
  });

  it('a failure or a skip anywhere in a service makes it failed, not migrated', () => {
    const result = {
      outcomes: [outcome('auth', 'applied', ['0007']), outcome('auth', 'failed'), outcome('billing', 'skipped')],
    };
    expect(outcomeByService(result, settings)).toEqual({ migrated: [], failed: ['auth', 'billing'] });
  });
});
