import type pg from 'pg';
import type { ResolvedConfig } from '../../config/types.js';
import type { ConnectionInfo } from '../../database/connection/connection.js';
import { markSeedsOwed, type SeedRunSettings, schemasOwedSeeds, seedTarget } from '../../migrations/seeds/seed.js';
import type { TargetOutcome } from '../../migrations/step/step-outcomes.js';
import { type TargetBase, targetLabel } from '../../migrations/targets.js';
import type { Output } from '../../ui/output.js';

// Seed data goes to new targets only (a new database, a reset, a schema migrated from nothing, or
// one whose first run stopped before seeding), never into a developer's existing data because a
// migration was pulled.

/** The services whose new targets get seed data in this run: none with --no-seed or --skip-migrations. */
export function servicesWithSeeds(
  config: Pick<ResolvedConfig, 'services'>,
  options: { seed?: boolean | undefined; skipMigrations?: boolean | undefined },
): Set<string> {
  if (options.seed === false || options.skipMigrations) return new Set();
  return new Set(config.services.filter((s) => s.seed).map((s) => s.name));
}

/** Seeds still owed in the main database, read on the connection the migration step checks with. */
export async function seedsOwedInMainDatabase(
  admin: ConnectionInfo,
  client: pg.Client,
  seeded: Set<string>,
): Promise<Set<string> | undefined> {
  if (seeded.size === 0) return undefined;
  return schemasOwedSeeds(admin, undefined, client);
}

/**
 * Before anything is applied: a run that stops half-way, or one that seeds nothing (`devup
 * migrate`), leaves its new targets marked, and a later run seeds them. Returns the schemas marked.
 */
export async function markNewTargetsOwed(
  admin: ConnectionInfo,
  planned: { target: TargetBase; upToDate: boolean; fresh: boolean }[],
  seeded: Set<string>,
): Promise<string[]> {
  const marked: string[] = [];
  for (const t of planned) {
    if (!t.fresh || t.upToDate || !seeded.has(t.target.service)) continue;
    await markSeedsOwed(admin, t.target);
    marked.push(t.target.schema);
  }
  return marked;
}

/**
 * The targets that get seed data now: every one reseeded after a reset or on a cluster just
 * created, one migrated from nothing, one whose seeds an earlier run still owes. Reads the owed
 * marks of each database not read yet, one query each.
 */
export async function targetsToSeed(
  admin: ConnectionInfo,
  outcomes: TargetOutcome[],
  seeded: Set<string>,
  context: { reseed: 'all' | string[] | undefined; created: boolean; owedMain: Set<string> | undefined },
): Promise<TargetOutcome[]> {
  const { reseed, created, owedMain } = context;
  const withSeeds = outcomes.filter((o) => seeded.has(o.target.service));
  const owed = new Map<string | undefined, Set<string>>();
  if (owedMain) owed.set(undefined, owedMain);
  for (const database of new Set(withSeeds.map((o) => o.target.database))) {
    if (!owed.has(database)) owed.set(database, await schemasOwedSeeds(admin, database));
  }
  return withSeeds.filter(
    (o) =>
      reseed === 'all' ||
      reseed?.includes(o.target.schema) ||
      created ||
      (o.status === 'applied' && o.fresh) ||
      owed.get(o.target.database)?.has(o.target.schema),
  );
}

/** Applies each target's seed data: a line and an event per target that got some. */
export async function seedTargets(
  output: Output,
  config: SeedRunSettings & Pick<ResolvedConfig, 'services'>,
  admin: ConnectionInfo,
  outcomes: TargetOutcome[],
): Promise<void> {
  for (const outcome of outcomes) {
    const service = config.services.find((s) => s.name === outcome.target.service);
    if (!service?.seed) continue;
    const files = await seedTarget(config, admin, service, outcome.target);
    if (files.length > 0) {
      output.line(`  ${output.style('green', '✔')} ${targetLabel(outcome.target)} seeded (${files.join(', ')})`);
      output.event({ event: 'seeded', service: service.name, schema: outcome.target.schema, files });
    }
  }
}
