import type { ResolvedConfig } from '../config/types.js';

/** The tenant `devup check` migrates for a service whose tenants a fresh database cannot list. */
export const SAMPLE_TENANT = 'sample';

/**
 * The config `devup check` migrates with: tenants from a query or command (which a fresh database
 * cannot answer) become `check.tenants`, else one sample tenant; services whose migrations could
 * not be read are left out (their conflicts are reported instead).
 */
export function checkTargetsConfig(
  config: ResolvedConfig,
  unreadable: ReadonlySet<string>,
  statementTimeoutMs: number = config.check.statementTimeoutMs,
): ResolvedConfig {
  const configured = config.migrations.statementTimeoutMs;
  return {
    ...config,
    // The project's own limit where it is shorter: the check runs what a deploy runs.
    migrations: {
      ...config.migrations,
      statementTimeoutMs: configured === undefined ? statementTimeoutMs : Math.min(configured, statementTimeoutMs),
    },
    services: config.services.map((service) => {
      const migrations = service.migrations;
      if (!migrations) return service;
      if (unreadable.has(service.name)) return { ...service, migrations: undefined };
      // Every migration is replayed from zero; the bootstrap check loads the snapshot beside it.
      const replayed = migrations.kind === 'sql' ? { ...migrations, bootstrap: 'replay' as const } : migrations;
      if (replayed.tenants.kind === 'list') return { ...service, migrations: replayed };
      return {
        ...service,
        migrations: { ...replayed, tenants: { kind: 'list', tenants: config.check.tenants ?? [SAMPLE_TENANT] } },
      };
    }),
  };
}
