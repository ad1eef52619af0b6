import type { DevupConfigInput } from './schema.js';

/** Identity function that gives devup.config.ts / .mjs editor completion and type checking. */
export function defineConfig(config: DevupConfigInput): DevupConfigInput {
  return config;
}
