import path from 'node:path';
import type { ResolvedConfig, ServiceSettings, TargetSettings } from '../../config/types.js';
import type { ConnectionInfo } from '../../database/connection/connection.js';
import { type InspectedTarget, inspectTargets } from '../../migrations/inspect.js';
import { scanTopLevelStatements } from '../../migrations/sql/sql-scan.js';

/** Why the live loop leaves a service alone this time: one line a person reads beside the logs. */
export interface LiveHold {
  service: string;
  /** `warn`: something to fix (an applied file edited); `wait`: a file still being written. */
  kind: 'warn' | 'wait';
  line: string;
}

/** The way out of an edited applied migration, in the words of every line that names one. */
function wayOut(service: string, tenant: string, sql: boolean): string {
  const redo = `\`devup migrate redo --service ${service} --tenant ${tenant}\` rolls back the newest and applies it again`;
  return sql
    ? `${redo}; or undo the edit (git checkout), or accept it with \`devup migrate repair\``
    : `${redo}; or undo the edit (git checkout)`;
}

function sqlHolds(root: string, service: ServiceSettings, inspected: InspectedTarget[]): LiveHold[] {
  const plans = inspected.filter((i) => i.target.service === service.name && i.plan);
  const holds: LiveHold[] = [];
  const edited = new Set(plans.flatMap((i) => i.plan?.changed.map((c) => c.migration.id) ?? []));
  const where = plans.filter((i) => (i.plan?.changed.length ?? 0) > 0);
  const first = where[0];
  if (first) {
    holds.push({
      service: service.name,
      kind: 'warn',
      line: `${service.name}: applied migrations changed on disk (${[...edited].map((id) => `${id} edited`).join(', ')}; in ${where.map((i) => i.target.schema).join(', ')}); nothing applied. ${wayOut(service.name, first.target.tenant, true)}.`,
    });
  }
  // A file with no statement yet (the template `devup new migration` writes, or an empty save).
  const empty = new Map<string, string>();
  for (const i of plans) {
    for (const m of i.plan?.pending ?? []) {
      if (scanTopLevelStatements(m.up.sql).length === 0) empty.set(m.id, path.relative(root, m.up.file));
    }
  }
  for (const file of empty.values()) {
    holds.push({ service: service.name, kind: 'wait', line: `waiting for ${file}: it has no statement yet` });
  }
  return holds;
}

async function toolHolds(
  config: Pick<ResolvedConfig, 'root' | 'stateDir'>,
  admin: ConnectionInfo,
  service: ServiceSettings,
  inspected: InspectedTarget[],
): Promise<LiveHold[]> {
  const targets = inspected.filter((i) => i.target.service === service.name && !i.sql);
  if (targets.length === 0 || service.migrations?.kind !== 'tool') return [];
  const { toolTargetStatuses } = await import('../../migrations/tools/tool-status.js');
  const { readToolFiles } = await import('../../migrations/tools/tool-files.js');
  const { toolAdapter } = await import('../../migrations/tools/adapters.js');
  const statuses = await toolTargetStatuses(
    config.stateDir,
    admin,
    targets.map((t) => ({ service, target: t.target })),
  );
  const holds: LiveHold[] = [];
  const edited = [...statuses].filter(([, s]) => s.changed.length > 0);
  const first = edited[0];
  if (first) {
    const ids = [...new Set(edited.flatMap(([, s]) => s.changed.map((c) => c.name)))];
    holds.push({
      service: service.name,
      kind: 'warn',
      line: `${service.name}: applied migrations changed on disk (${ids.map((id) => `${id} edited`).join(', ')}; in ${edited.map(([t]) => t.schema).join(', ')}); nothing applied. ${wayOut(service.name, first[0].tenant, false)}.`,
    });
  }
  const set = readToolFiles(toolAdapter(service.migrations.tool), service.migrations, config.stateDir).set;
  const pending = new Set([...statuses.values()].flatMap((s) => (s.pending ?? []).map((p) => p.version)));
  for (const id of [...pending].filter((p) => set?.unwritten?.has(p))) {
    const file = set?.fileOf?.(id)?.absolute;
    const shown = file ? path.relative(config.root, file) : id;
    holds.push({ service: service.name, kind: 'wait', line: `waiting for ${shown}: upgrade() is still empty` });
  }
  return holds;
}

/**
 * What keeps the live loop from migrating a service now: an applied migration edited (the tool or
 * engine would not run it again, so applying the rest would hide it), or a pending file that is
 * still the empty template. A migration with no file is not one: the step warns, as at startup.
 */
export async function liveHolds(
  config: TargetSettings & Pick<ResolvedConfig, 'root'>,
  admin: ConnectionInfo,
  services: ServiceSettings[],
): Promise<LiveHold[]> {
  if (services.length === 0) return [];
  const inspected = await inspectTargets(config, admin, { services: services.map((s) => s.name) });
  const holds: LiveHold[] = [];
  for (const service of services) {
    holds.push(
      ...(service.migrations?.kind === 'sql'
        ? sqlHolds(config.root, service, inspected)
        : await toolHolds(config, admin, service, inspected)),
    );
  }
  return holds;
}
