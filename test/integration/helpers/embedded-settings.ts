import type { DatabaseSettings } from '../../../src/config/types.js';

/**
 * Settings for an EmbeddedEngine over `dataDir`, for tests of what it refuses or tidies before
 * Postgres would listen: port 1 and a short readiness timeout unless `overrides` say otherwise.
 */
export function embeddedSettings(dataDir: string, overrides: Partial<DatabaseSettings> = {}): DatabaseSettings {
  return {
    engine: 'embedded',
    image: '',
    statStatements: false,
    port: 1,
    user: 'devup',
    password: 'x',
    database: 'x',
    bind: '127.0.0.1',
    url: undefined,
    dataDir,
    readyTimeoutMs: 1000,
    ...overrides,
  };
}
