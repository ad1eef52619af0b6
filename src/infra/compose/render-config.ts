import type { ImportedConfig } from './compose-to-config.js';

/** A new devup.config.mjs holding the import; JSON inside, so it reads the same as devup.config.json would. */
export function renderConfigModule(imported: ImportedConfig, from: string[]): string {
  const body: Record<string, unknown> = {
    ...(imported.database ? { database: imported.database } : {}),
    infra: imported.infra,
    services: imported.services,
  };
  const json = JSON.stringify(body, null, 2);
  return [
    `// Written by \`devup import compose\` from ${from.join(', ')}.`,
    '// Each service needs its command (and port): devup runs it on this machine, beside the infra.',
    '/** @type {import("devup").DevupConfig} */',
    `export default ${json};`,
    '',
  ].join('\n');
}

/** The import merged into an existing JSON config: infra added (an entry of the same name is replaced), database kept. */
export function mergeIntoJsonConfig(
  existing: Record<string, unknown>,
  imported: ImportedConfig,
): Record<string, unknown> {
  const services = (existing.services ?? {}) as Record<string, unknown>;
  return {
    ...existing,
    ...(existing.database === undefined && imported.database ? { database: imported.database } : {}),
    infra: { ...((existing.infra ?? {}) as Record<string, unknown>), ...imported.infra },
    services: Object.keys(services).length > 0 ? services : imported.services,
  };
}
