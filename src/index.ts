/** devup's programmatic API. Kept light: the config file imports `defineConfig` from here. */
export { defineConfig } from './config/define.js';
export { loadConfig } from './config/load.js';
export type { DevupConfigInput as DevupConfig } from './config/schema.js';
export type { ResolvedConfig, ServiceSettings } from './config/types.js';
export { bootDatabase } from './database/boot.js';
export type { ConnectionInfo } from './database/connection.js';
export { UserError } from './errors.js';
export { discoverMigrations } from './migrations/discover.js';
export { runMigrationStep } from './migrations/migration-step.js';
