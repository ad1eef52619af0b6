import path from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import type { ConnectionInfo } from '../database/connection/connection.js';
import type { TargetBase } from '../migrations/targets.js';
import { readSchemaDocs } from '../schema/build-schema.js';
import { diffSchemaDocs } from '../schema/schema-files.js';

export interface ServiceSchema {
  service: string;
  /** The Mermaid erDiagram `devup schema` writes into <service>.md, read from the live database. */
  mermaid: string | null;
  /** The committed files of this service that differ from the live database ([] when they match). */
  differences: string[];
}

const MERMAID = /```mermaid\n([\s\S]*?)```/;

/**
 * The Schema page: each service's ER diagram from the dev database, read with the reader of
 * `devup schema --from-dev`, and whether the committed schema docs (schema.dir) still match it.
 */
export async function readSchemaView(
  config: Pick<ResolvedConfig, 'root' | 'schema'>,
  admin: ConnectionInfo,
  targets: readonly TargetBase[],
): Promise<{ dir: string; services: ServiceSchema[]; otherDifferences: string[] }> {
  const files = await readSchemaDocs(config, admin, targets);
  const differences = diffSchemaDocs(config.schema.dir, files).map((d) => d.file);
  const services = [...new Set(targets.map((t) => t.service))].map((service) => ({
    service,
    mermaid: MERMAID.exec(files.get(`${service}.md`) ?? '')?.[1]?.trim() ?? null,
    differences: differences.filter((file) => file.startsWith(`${service}.`)),
  }));
  const claimed = new Set(services.flatMap((s) => s.differences));
  return {
    dir: path.relative(config.root, config.schema.dir) || '.',
    services,
    otherDifferences: differences.filter((file) => !claimed.has(file)),
  };
}
