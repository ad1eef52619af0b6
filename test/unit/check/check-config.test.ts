import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { checkTargetsConfig } from '../../../src/check/check-config.js';
import { DEFAULT_LINT_WARN } from '../../../src/config/schema.js';
import { resolveConfig } from '../../../src/config/validate.js';

const services = {
  orders: { migrations: { dir: '.', tenants: { query: 'select name from tenants' } } },
  users: { migrations: { dir: '.', tenants: ['a', 'b'] } },
  broken: { migrations: { dir: '.' } },
};
const resolve = (raw: Record<string, unknown>) =>
  resolveConfig({ services, ...raw }, { configPath: path.join(os.tmpdir(), 'devup.config.json'), env: {} });

it('check settings default to no tenants, no ignores and the advisory rules as warnings', () => {
  expect(resolve({}).config?.check).toEqual({
    tenants: undefined,
    lint: { ignore: [], warn: [...DEFAULT_LINT_WARN] },
    statementTimeoutMs: 300_000,
  });
});

it("the check applies migrations under check.statementTimeout, or the project's own shorter one", () => {
  const unreadable = new Set<string>();
  const plain = resolve({ check: { statementTimeout: '90s' } }).config;
  if (!plain) throw new Error('config');
  expect(checkTargetsConfig(plain, unreadable).migrations.statementTimeoutMs).toBe(90_000);
  expect(checkTargetsConfig(plain, unreadable, 2_000).migrations.statementTimeoutMs).toBe(2_000);
  const shorter = resolve({ migrations: { statementTimeout: '10s' } }).config;
  if (!shorter) throw new Error('config');
  expect(checkTargetsConfig(shorter, unreadable).migrations.statementTimeoutMs).toBe(10_000);
  expect(resolve({ check: { statementTimeout: '600h' } }).problems[0]).toMatchObject({
    path: 'check.statementTimeout',
    message: expect.stringContaining('longer than 24.8 days'),
  });
});

it('a misspelt key is named with its path and the key meant; a bad tenant name is refused', () => {
  expect(resolve({ check: { lint: { warns: [] } } }).problems[0]).toMatchObject({
    path: 'check.lint.warns',
    message: expect.stringContaining('did you mean "warn"'),
  });
  expect(resolve({ check: { tenants: ['Acme'] } }).problems[0]?.path).toBe('check.tenants.0');
});

it('tenants from a query become check.tenants (else one sample); listed ones stay; unreadable services drop out', () => {
  const config = resolve({ check: { tenants: ['t1'] } }).config;
  if (!config) throw new Error('config');
  const checked = checkTargetsConfig(config, new Set(['broken']));
  const tenants = (name: string) => checked.services.find((s) => s.name === name)?.migrations?.tenants;
  expect(tenants('orders')).toEqual({ kind: 'list', tenants: ['t1'] });
  expect(tenants('users')).toEqual({ kind: 'list', tenants: ['a', 'b'] });
  expect(checked.services.find((s) => s.name === 'broken')?.migrations).toBeUndefined();
  const sample = checkTargetsConfig({ ...config, check: { ...config.check, tenants: undefined } }, new Set());
  expect(sample.services[0]?.migrations?.tenants).toEqual({ kind: 'list', tenants: ['sample'] });
});
