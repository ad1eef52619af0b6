import type { TargetSettings } from '../config/types.js';
import { type ConnectionInfo, withClient } from '../database/connection/connection.js';
import type { TargetOutcome } from '../migrations/step/migration-step.js';
import { collectTargets, type TargetBase } from '../migrations/targets.js';
import { readSchemaDocs } from './build-schema.js';
import { type SchemaDocsWrite, writeSchemaDocs } from './schema-files.js';

/**
 * After `devup migrate` / `devup dev` applied migrations: the files of `schema.dir` rewritten from
 * the dev database, reading a just-migrated tenant of each service. A service whose schema is not
 * there yet (its migrations failed or were skipped) keeps its files, and then the index is left too.
 */
export async function refreshSchemaDocs(
  config: TargetSettings,
  connection: ConnectionInfo,
  outcomes: readonly TargetOutcome[],
  /** Every target of every service, when the caller has them (a run over all of them); else collected again. */
  allTargets?: readonly TargetBase[],
): Promise<SchemaDocsWrite> {
  const targets =
    allTargets ??
    (await withClient(connection, (client) => collectTargets(config, { query: (sql) => client.query(sql) }))).flatMap(
      (s) => s.targets,
    );
  const applied = new Set(outcomes.filter((o) => o.applied.length > 0).map((o) => o.target.schema));
  let missing = false;
  const files = await readSchemaDocs(config, connection, targets, applied, () => {
    missing = true;
  });
  if (missing) files.delete('README.md');
  return writeSchemaDocs(config.schema.dir, files, { partial: missing });
}
