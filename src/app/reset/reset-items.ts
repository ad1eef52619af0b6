import type { TargetSettings } from '../../config/types.js';
import { type ConnectionInfo, withClient } from '../../database/connection/connection.js';
import { describeSchemaContents, dropSchemas } from '../../database/drop-schemas.js';
import type { Destroyable } from '../../database/engine.js';
import { appendToGroup } from '../../lib/group.js';
import { HISTORY_TABLE } from '../../migrations/sql/history.js';
import { TAGS_TABLE } from '../../migrations/tags/tag-store.js';
import { collectTargetPlans } from '../../migrations/target-plans.js';

/** One line naming what would be destroyed, as reset, down and prune list it before asking. */
export function describeDestroyable(item: Destroyable): string {
  return `${item.kind.replace('-', ' ')} ${item.name}${item.detail ? ` (${item.detail})` : ''}`;
}

/** Schemas (and service databases) of the selected targets: what a partial or external reset drops. */
export async function schemaItems(
  config: TargetSettings,
  admin: ConnectionInfo,
  services: string[] | undefined,
  tenant: string | undefined,
) {
  const targets = await collectTargetPlans(config, admin, { services, tenant });
  // A service's own database goes whole only when every service using it is being reset.
  const selected = new Set(targets.map((t) => t.target.service));
  const wholeDatabases = tenant
    ? []
    : [...new Set(targets.map((t) => t.target.database).filter((d): d is string => d !== undefined))].filter((d) =>
        config.services.filter((s) => s.database === d).every((s) => selected.has(s.name)),
      );
  const schemas = targets.filter((t) => !wholeDatabases.includes(t.target.database ?? ''));
  const items: Destroyable[] = [
    ...wholeDatabases.map((name) => ({ kind: 'database' as const, name })),
    ...(await Promise.all(
      schemas.map(async (t) => {
        const contents = await describeSchemaContents(admin, t.target.database, t.target.schema, [
          HISTORY_TABLE,
          'devup_seeds',
          TAGS_TABLE,
        ]);
        const where = t.target.database ? `in database ${t.target.database}, ` : '';
        return {
          kind: 'schema' as const,
          name: t.target.schema,
          detail: `${where}${contents.count === 0 ? 'empty' : `${contents.count} ${contents.count === 1 ? 'object' : 'objects'}`}`,
          contents: contents.lines,
        };
      }),
    )),
  ];
  return { items, wholeDatabases, schemas, targets };
}

/**
 * On a server devup does not run, a database replaced whole may hold what devup never created:
 * each of its schemas is listed with everything in it.
 */
export async function replacedWhole(admin: ConnectionInfo, databases: string[]): Promise<Destroyable[]> {
  const items: Destroyable[] = [];
  for (const database of databases) {
    items.push({ kind: 'database', name: database, detail: 'replaced whole by its template' });
    const { rows } = await withClient(
      admin,
      (c) =>
        c.query<{ nspname: string }>(
          "select nspname from pg_namespace where nspname !~ '^pg_' and nspname <> 'information_schema' order by 1",
        ),
      { database },
    );
    for (const { nspname } of rows) {
      const contents = await describeSchemaContents(admin, database, nspname, [
        HISTORY_TABLE,
        'devup_seeds',
        TAGS_TABLE,
      ]);
      if (contents.count === 0) continue;
      const where = database === admin.database ? '' : `in database ${database}, `;
      const objects = `${contents.count} ${contents.count === 1 ? 'object' : 'objects'}`;
      items.push({ kind: 'schema', name: nspname, detail: `${where}${objects}`, contents: contents.lines });
    }
  }
  return items;
}

/** Drops the targets' schemas, one connection per database; returns the schemas that existed. */
export async function dropTargetSchemas(
  admin: ConnectionInfo,
  targets: readonly { database: string | undefined; schema: string }[],
): Promise<string[]> {
  const byDatabase = new Map<string | undefined, string[]>();
  for (const t of targets) appendToGroup(byDatabase, t.database, t.schema);
  const dropped: string[] = [];
  for (const [database, names] of byDatabase) dropped.push(...(await dropSchemas(admin, database, names)));
  return dropped;
}
