/** devup's programmatic API. Kept light: the config file imports `defineConfig` from here. */
// The config as the CLI sees it, this checkout's ports and names applied (see checkouts/).
export { loadCheckoutConfig as loadConfig } from './checkouts/load-checkout-config.js';
export { defineConfig } from './config/define.js';
export type { DevupConfigInput as DevupConfig } from './config/schema.js';
export type { ResolvedConfig, ServiceSettings } from './config/types.js';
export { bootDatabase } from './database/boot.js';
export type { ConnectionInfo } from './database/connection/connection.js';
export { UserError } from './errors.js';
export { discoverMigrations } from './migrations/sql/discover.js';
export { runMigrationStep } from './migrations/step/migration-step.js';
