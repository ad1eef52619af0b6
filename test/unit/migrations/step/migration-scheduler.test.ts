import { describe, expect, it, vi } from 'vitest';
import type { ServiceSettings } from '../../../../src/config/types.js';
import { migrationDependencies, runInDependencyOrder } from '../../../../src/migrations/step/migration-scheduler.js';
import type { TargetWork } from '../../../../src/migrations/step/target-check.js';

// The scheduler alone: each run waits on a gate the test opens, and the test observes which
// targets are running at each point (no time involved).

function service(name: string, database: string | undefined, dependsOn: string[] = []): ServiceSettings {
  return { name, database, dependsOn, migrations: { concurrency: 4 } } as unknown as ServiceSettings;
}

function works(services: ServiceSettings[], tenants: string[], kind: 'tool' | 'sql'): TargetWork[] {
  return services.flatMap((s) =>
    tenants.map(
      (tenant) =>
        ({
          service: { service: s },
          target: { service: s.name, tenant, schema: `${s.name}_${tenant}`, database: s.database },
          ...(kind === 'sql' ? { sqlPlan: {} } : {}),
          pending: ['1'],
        }) as unknown as TargetWork,
    ),
  );
}

/** Runs the schedule with gated runs; `open(schema, ok)` finishes one. */
function gated(services: ServiceSettings[], all: TargetWork[], toolConcurrency = 8) {
  const running = new Set<string>();
  const gates = new Map<string, (ok: boolean) => void>();
  const skipped: string[] = [];
  const done = runInDependencyOrder(services, all, {
    concurrency: 8,
    toolConcurrency,
    skip: (w) => skipped.push(w.target.schema),
    run: (w) =>
      new Promise<boolean>((resolve) => {
        running.add(w.target.schema);
        gates.set(w.target.schema, (ok) => {
          running.delete(w.target.schema);
          resolve(ok);
        });
      }),
  });
  const open = (schema: string, ok = true) => gates.get(schema)?.(ok);
  const runningNow = () => [...running].sort();
  return { done, open, runningNow, skipped };
}

describe('the migration schedule', () => {
  const billing = service('billing', 'billing');
  const ledger = service('ledger', 'ledger', ['billing']);

  it('migrates services in different databases at once, each first tenant still alone', async () => {
    const run = gated([billing, ledger], works([billing, ledger], ['acme', 'globex'], 'tool'));
    await vi.waitFor(() => expect(run.runningNow()).toEqual(['billing_acme', 'ledger_acme']));
    run.open('billing_acme');
    await vi.waitFor(() => expect(run.runningNow()).toEqual(['billing_globex', 'ledger_acme']));
    run.open('ledger_acme');
    await vi.waitFor(() => expect(run.runningNow()).toEqual(['billing_globex', 'ledger_globex']));
    run.open('billing_globex');
    run.open('ledger_globex');
    await run.done;
    expect(run.skipped).toEqual([]);
  });

  it('runs no more tool processes at once than it is allowed (the cores)', async () => {
    const three = [service('a', 'a'), service('b', 'b'), service('c', 'c')];
    const run = gated(three, works(three, ['one'], 'tool'), 2);
    await vi.waitFor(() => expect(run.runningNow()).toEqual(['a_one', 'b_one']));
    run.open('a_one');
    await vi.waitFor(() => expect(run.runningNow()).toEqual(['b_one', 'c_one']));
    run.open('b_one');
    run.open('c_one');
    await run.done;
  });

  it('keeps a dependency in the same database first, and skips its dependents when it fails', async () => {
    const core = service('core', undefined);
    const api = service('api', undefined, ['core']);
    const run = gated([core, api], works([core, api], ['acme', 'globex'], 'sql'));
    await vi.waitFor(() => expect(run.runningNow()).toEqual(['core_acme']));
    run.open('core_acme');
    await vi.waitFor(() => expect(run.runningNow()).toEqual(['core_globex']));
    run.open('core_globex', false);
    await run.done;
    expect(run.skipped).toEqual(['api_acme', 'api_globex']);
  });

  it('names as migration dependencies only those in the same database', () => {
    const shared = service('shared', undefined);
    const web = service('web', undefined, ['shared', 'billing']);
    expect(migrationDependencies([billing, ledger, shared, web], 'ledger')).toEqual([]);
    expect(migrationDependencies([billing, ledger, shared, web], 'web')).toEqual(['shared']);
  });
});
