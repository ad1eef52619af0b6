import type pg from 'pg';
import { type ConnectionInfo, withClient } from '../database/connection/connection.js';
import { SEEDS_TABLE } from '../migrations/seeds/seed.js';
import { HISTORY_TABLE } from '../migrations/sql/history.js';
import {
  readAlembicHeads,
  readCoveredMigrations,
  type SnapshotCoverage,
  sealSnapshot,
} from '../migrations/sql/snapshot-seal.js';
import { TAGS_TABLE } from '../migrations/tags/tag-store.js';
import { type Catalog, MissingSchemaError, readCatalog } from './catalog.js';
import { renderSchemaSql } from './ddl.js';
import { renderSchemaIndex, renderServiceMarkdown } from './markdown.js';

/**
 * Bookkeeping tables that are no part of a service's schema: devup's own and each external tool's
 * history (a unit test keeps this in step with the tool adapters).
 */
export const BOOKKEEPING_TABLES: readonly string[] = [
  HISTORY_TABLE,
  SEEDS_TABLE,
  TAGS_TABLE,
  'alembic_version',
  'schema_migrations',
  'flyway_schema_history',
  'databasechangelog',
  'databasechangeloglock',
  '_prisma_migrations',
  'pgmigrations',
];

/** The schema one service's documentation is read from (one tenant stands for all). */
export interface SchemaSource {
  service: string;
  schema: string;
  /** The service's own database, or undefined for the main one. */
  database: string | undefined;
}

export interface SchemaDocsOptions {
  /** `schema.exclude`: `service` leaves a service out, `service.table` (with `*`) some of its tables. */
  exclude?: readonly string[] | undefined;
  /** Called for a source whose schema does not exist, which is then left out; without it, that is an error. */
  onMissing?: ((source: SchemaSource) => void) | undefined;
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*')}$`);
}

/** Whether `schema.exclude` leaves out the whole service. */
export function isServiceExcluded(service: string, exclude: readonly string[] = []): boolean {
  return exclude.some((entry) => !entry.includes('.') && globToRegExp(entry).test(service));
}

function tableFilter(service: string, exclude: readonly string[]): (name: string) => boolean {
  const patterns = exclude
    .filter((entry) => entry.includes('.'))
    .map((entry) => entry.split('.') as [string, string])
    .filter(([s]) => globToRegExp(s).test(service))
    .map(([, table]) => globToRegExp(table));
  return (quoted) => {
    const name = quoted.replace(/^"(.*)"$/, '$1');
    return BOOKKEEPING_TABLES.includes(name) || patterns.some((p) => p.test(name));
  };
}

/** Whether `schema.exclude` leaves some of the service's tables out of its files. */
function excludesTables(service: string, exclude: readonly string[]): boolean {
  return exclude.some((entry) => entry.includes('.') && globToRegExp(entry.split('.')[0] as string).test(service));
}

/** Reads one service's schema: the catalog its two files are rendered from. */
export function readServiceCatalog(
  client: pg.Client,
  source: SchemaSource,
  options: SchemaDocsOptions = {},
): Promise<Catalog> {
  return readCatalog(client, source.schema, { excludeTable: tableFilter(source.service, options.exclude ?? []) });
}

/**
 * The two files of one service, keyed by their path relative to `schema.dir`. `covered`: the SQL
 * engine's migrations (or Alembic's head) the schema holds, recorded at the end of `<service>.sql`
 * (for bootstrap).
 */
export function renderServiceFiles(
  service: string,
  catalog: Catalog,
  covered: SnapshotCoverage = { covered: [], alembicHeads: [] },
): Map<string, string> {
  return new Map([
    [`${service}.sql`, sealSnapshot(renderSchemaSql(catalog, service), covered)],
    [`${service}.md`, renderServiceMarkdown(catalog, service)],
  ]);
}

/**
 * Every file of `schema.dir` as `devup schema` would write it: `<service>.sql` and `<service>.md`
 * per source, and the README.md index. Services in another database are read over a connection
 * of their own. Nothing is written; `devup check` compares this map with the committed files.
 */
export async function renderSchemaDocs(
  connection: ConnectionInfo,
  sources: readonly SchemaSource[],
  options: SchemaDocsOptions = {},
): Promise<Map<string, string>> {
  const kept = sources
    .filter((s) => !isServiceExcluded(s.service, options.exclude))
    .sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
  const catalogs = new Map<string, Catalog>();
  const coverage = new Map<string, SnapshotCoverage>();
  const databases = [...new Set(kept.map((s) => s.database))];
  for (const database of databases) {
    await withClient(
      connection,
      async (client) => {
        for (const source of kept.filter((s) => s.database === database)) {
          try {
            catalogs.set(source.service, await readServiceCatalog(client, source, options));
            // A snapshot that leaves tables out (schema.exclude) cannot build the schema: not sealed.
            if (!excludesTables(source.service, options.exclude ?? [])) {
              coverage.set(source.service, {
                covered: await readCoveredMigrations(client, source.schema),
                alembicHeads: await readAlembicHeads(client, source.schema),
              });
            }
          } catch (error) {
            if (!(error instanceof MissingSchemaError && options.onMissing)) throw error;
            options.onMissing(source);
          }
        }
      },
      database === undefined ? {} : { database },
    );
  }
  const files = new Map<string, string>();
  const index: { service: string; catalog: Catalog }[] = [];
  for (const { service } of kept) {
    const catalog = catalogs.get(service);
    if (!catalog) continue;
    for (const [file, content] of renderServiceFiles(service, catalog, coverage.get(service))) files.set(file, content);
    index.push({ service, catalog });
  }
  files.set('README.md', renderSchemaIndex(index));
  return files;
}
