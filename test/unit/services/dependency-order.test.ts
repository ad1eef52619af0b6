import { describe, expect, it } from 'vitest';
import type { ServiceSettings } from '../../../src/config/types.js';
import { dependentsOf } from '../../../src/services/dependency-order.js';

const service = (name: string, dependsOn: string[] = []) => ({ name, dependsOn }) as ServiceSettings;

describe('dependentsOf', () => {
  it('lists, for each service, the services that depend on it', () => {
    const services = [service('web', ['api', 'auth']), service('api', ['auth']), service('auth'), service('jobs')];
    expect(dependentsOf(services)).toEqual(
      new Map([
        ['web', []],
        ['api', ['web']],
        ['auth', ['web', 'api']],
        ['jobs', []],
      ]),
    );
  });

  it('ignores dependencies outside the selected services', () => {
    expect(dependentsOf([service('web', ['api'])])).toEqual(new Map([['web', []]]));
  });
});
