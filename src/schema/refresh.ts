import type { ResolvedConfig } from '../config/types.js';
import { type ConnectionInfo, withClient } from '../database/connection.js';
import type { TargetOutcome } from '../migrations/migration-step.js';
import { collectTargets } from '../migrations/targets.js';
import { readSchemaDocs } from './build-schema.js';
import { type SchemaDocsWrite, writeSchemaDocs } from './schema-files.js';

/**
 * After `devup migrate` / `devup dev` applied migrations: the files of `schema.dir` rewritten from
 * the dev database, reading a just-migrated tenant of each service. A service whose schema is not
 * there yet (its migrations failed or were skipped) keeps its files, and then the index is left too.
 */
export async function refreshSchemaDocs(
  config: ResolvedConfig,
  connection: ConnectionInfo,
  outcomes: readonly TargetOutcome[],
): Promise<SchemaDocsWrite> {
  const services = await withClient(connection, (client) =>
    collectTargets(config, { query: (sql) => client.query(sql) }),
  );
  const applied = new Set(outcomes.filter((o) => o.applied.length > 0).map((o) => o.target.schema));
  let missing = false;
  const files = await readSchemaDocs(
    config,
    connection,
    services.flatMap((s) => s.targets),
    applied,
    () => {
      missing = true;
    },
  );
  if (missing) files.delete('README.md');
  return writeSchemaDocs(config.schema.dir, files, { partial: missing });
}
