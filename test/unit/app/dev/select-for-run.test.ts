import { expect, it } from 'vitest';
import { selectForRun } from '../../../../src/app/dev/dev-environment.js';
import type { InfraSettings, ResolvedConfig, ServiceSettings } from '../../../../src/config/types.js';

const config = {
  services: [
    { name: 'web', dependsOn: ['api'], env: {} },
    { name: 'api', dependsOn: ['cache'], env: {} },
    { name: 'jobs', dependsOn: [], env: {} },
  ] as unknown as ServiceSettings[],
  infra: [
    { name: 'cache', dependsOn: [] },
    { name: 'mail', dependsOn: [] },
  ] as unknown as InfraSettings[],
} as ResolvedConfig;

it('runs everything without --only, and with it what the named services need', () => {
  expect(selectForRun(config, undefined)).toEqual({ services: config.services, infra: config.infra });
  const selected = selectForRun(config, ['web']);
  expect(selected.services.map((s) => s.name)).toEqual(['web', 'api']);
  expect(selected.infra.map((i) => i.name)).toEqual(['cache']);
});

it('refuses an --only name that is no service, listing the services', () => {
  expect(() => selectForRun(config, ['wbe'])).toThrow(
    expect.objectContaining({ message: '--only: no service named wbe', hint: 'Services: web, api, jobs' }),
  );
});
