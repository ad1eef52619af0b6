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
  expect(resolve({}).config?.check).toEqual({ tenants: undefined, lint: { ignore: [], warn: [...DEFAULT_LINT_WARN] } });
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
