import type { MigrationStepSettings, ResolvedConfig } from '../config/types.js';
import type { ThrowawayDatabase, ThrowawaySource } from '../database/throwaway/throwaway.js';

/** What `devup check` reads: the migration step's settings, the throwaway's, `check`, and `.env` for service commands. */
export type CheckRunSettings = MigrationStepSettings & ThrowawaySource & Pick<ResolvedConfig, 'check' | 'dotenv'>;

/** The throwaway the checks run on, its settings pointed at it. */
export type CheckThrowaway = ThrowawayDatabase<CheckRunSettings>;

/** The tenant `devup check` migrates for a service whose tenants a fresh database cannot list. */
export const SAMPLE_TENANT = 'sample';

/**
 * The config `devup check` migrates with: tenants from a query or command (which a fresh database
 * cannot answer) become `check.tenants`, else one sample tenant; services whose migrations could
 * not be read are left out (their conflicts are reported instead).
 */
export function checkTargetsConfig<C extends Pick<ResolvedConfig, 'check' | 'migrations' | 'services'>>(
  config: C,
  unreadable: ReadonlySet<string>,
  statementTimeoutMs: number = config.check.statementTimeoutMs,
): C {
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
