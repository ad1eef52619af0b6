import type { MigrationStepSettings, ResolvedConfig } from '../config/types.js';
import type { ConnectionInfo } from '../database/connection/connection.js';
import type { ProgressSink } from '../database/engine.js';
import { type ThrowawayEngine, type ThrowawaySource, withThrowawayDatabase } from '../database/throwaway/throwaway.js';
import { runMigrationStep } from '../migrations/step/migration-step.js';
import type { TargetBase } from '../migrations/targets.js';
import { renderSchemaDocs, type SchemaSource } from './schema-docs.js';

/**
 * One target per service: a just-migrated one when `prefer` names it, else the first. One tenant
 * stands for all, since the files are tenant-neutral.
 */
export function schemaSources(targets: readonly TargetBase[], prefer: ReadonlySet<string> = new Set()): SchemaSource[] {
  const chosen = new Map<string, TargetBase>();
  for (const target of targets) {
    const current = chosen.get(target.service);
    if (!current || (!prefer.has(current.schema) && prefer.has(target.schema))) chosen.set(target.service, target);
  }
  return [...chosen.values()].map(({ service, schema, database }) => ({ service, schema, database }));
}

/**
 * The config with one tenant per service: the first listed, or `default` when tenants come from a
 * query or command (which has nothing to ask on an empty database). Every migration is replayed.
 */
export function withOneTenant<C extends Pick<ResolvedConfig, 'services'>>(config: C): C {
  return {
    ...config,
    services: config.services.map((service) => {
      const migrations = service.migrations;
      if (!migrations) return service;
      const tenant = migrations.tenants.kind === 'list' ? (migrations.tenants.tenants[0] ?? 'default') : 'default';
      const tenants = { kind: 'list' as const, tenants: [tenant] };
      // The snapshot is written from a replay: never built from the snapshot it is about to write.
      return { ...service, migrations: { ...migrations, tenants, bootstrap: 'replay' as const } };
    }),
  };
}

export interface BuiltSchemaDocs {
  files: Map<string, string>;
  /** Where it was built, for people: "embedded Postgres on 127.0.0.1:41234 (throwaway)". */
  description: string;
  services: number;
  migrations: number;
  ms: number;
}

/**
 * Every file of `schema.dir`, built from zero: a throwaway Postgres, every service's migrations
 * applied to one tenant (SQL engine and external tools alike), the catalogs read, the cluster
 * removed. The developer's dev database is never touched.
 */
export async function buildSchemaDocs(
  config: MigrationStepSettings & ThrowawaySource,
  options: { engine: ThrowawayEngine; signal?: AbortSignal | undefined; sink?: ProgressSink | undefined },
): Promise<BuiltSchemaDocs> {
  const started = performance.now();
  return withThrowawayDatabase(
    withOneTenant(config),
    { engine: options.engine, signal: options.signal, sink: options.sink },
    async (throwaway) => {
      const step = await runMigrationStep(throwaway.config, throwaway.connection, { signal: options.signal });
      if (step.failure) throw step.failure;
      const files = await renderSchemaDocs(
        throwaway.connection,
        schemaSources(step.outcomes.map((o) => o.target)),
        config.schema,
      );
      return {
        files,
        description: throwaway.description,
        services: step.outcomes.length,
        migrations: step.outcomes.reduce((n, o) => n + o.applied.length, 0),
        ms: performance.now() - started,
      };
    },
  );
}

/** Every file of `schema.dir`, read from a database that is already migrated (`--from-dev`, auto refresh). */
export function readSchemaDocs(
  config: Pick<ResolvedConfig, 'schema'>,
  connection: ConnectionInfo,
  targets: readonly TargetBase[],
  prefer?: ReadonlySet<string>,
  onMissing?: (source: SchemaSource) => void,
): Promise<Map<string, string>> {
  return renderSchemaDocs(connection, schemaSources(targets, prefer), { exclude: config.schema.exclude, onMissing });
}
