import type pg from 'pg';
import type { ConnectionInfo } from '../../database/connection/connection.js';
import { UserError } from '../../errors.js';
import type { TargetWithPlan } from '../target-plans.js';
import type { TargetBase } from '../targets.js';
import { type MigrationTag, readTargetTags } from './tag-store.js';
import { checkTagName } from './tag-targets.js';

/**
 * Each selected target's tag `name`. Refused, naming the way out, when no target has it or when
 * some selected targets lack it (rolling back only some would leave the project half-way).
 */
export async function resolveTag(
  admin: ConnectionInfo,
  client: pg.Client,
  targets: TargetWithPlan[],
  name: string,
): Promise<Map<TargetBase, MigrationTag>> {
  checkTagName(name);
  const tags = await readTargetTags(
    admin,
    client,
    targets.map((t) => t.target),
  );
  const found = new Map<TargetBase, MigrationTag>();
  const without: string[] = [];
  for (const { target } of targets) {
    const tag = tags.get(target)?.find((t) => t.name === name);
    if (tag) found.set(target, tag);
    else without.push(target.schema);
  }
  if (found.size === 0) {
    const known = [...new Set([...tags.values()].flat().map((t) => t.name))];
    throw new UserError(`no selected target has the tag ${name}`, {
      hint:
        known.length > 0
          ? `Tags: ${known.join(', ')} (\`devup migrate status\` shows where each points).`
          : `No target has a tag yet: \`devup migrate tag ${name}\` records one where each target is now.`,
    });
  }
  if (without.length > 0) {
    throw new UserError(`tag ${name} is not on every selected target; nothing was rolled back`, {
      details: [`  without it: ${without.join(', ')}`],
      hint: 'Select the targets that have it (--service, --tenant), or tag the others first.',
    });
  }
  return found;
}

/**
 * SQL targets: the applied migrations a rollback to the tag takes back that have no down section.
 * Said for every target before anything runs, instead of failing half-way through the list.
 */
export function migrationsWithoutDown(targets: TargetWithPlan[], tags: Map<TargetBase, MigrationTag>): string[] {
  const problems: string[] = [];
  for (const { target, sql, plan } of targets) {
    const tag = tags.get(target);
    if (!sql || !plan || !tag) continue;
    const above = tag.version ?? 0n;
    const files = new Map(sql.migrations.map((m) => [m.version, m]));
    const rows = [...plan.applied.map((a) => a.row), ...plan.changed.map((c) => c.row), ...plan.missing];
    for (const row of rows.filter((r) => r.version > above).sort((a, b) => (a.version > b.version ? -1 : 1))) {
      const file = files.get(row.version);
      if (!file?.down) problems.push(`${target.schema}: ${row.name} has ${file ? 'no down section' : 'no file'}`);
    }
  }
  return problems;
}
