import type { ResolvedConfig } from '../config/types.js';
import type { ConnectionInfo } from '../database/connection/connection.js';
import { type DatabaseCopy, listCopies } from './copy-labels.js';
import { dropCopy, withCopyLock, withMaintenanceClient } from './database-copy.js';
import { projectDatabases } from './reset-template.js';

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * What a killed snapshot save, restore or reset left, removed: the copies of a save that never
 * finished (it can't be finished: the databases have changed since), and the clones a restore or
 * reset made before its swap (which is one transaction, so no database had been replaced yet).
 * Under the copy lock, so a command still running is waited for, not mistaken for a dead one.
 * Returns one line saying what was removed, or undefined when nothing was left.
 */
export async function clearInterruptedCopies(
  config: Pick<ResolvedConfig, 'project' | 'services'>,
  admin: ConnectionInfo,
): Promise<string | undefined> {
  const databases = projectDatabases(config, admin);
  return withMaintenanceClient(admin, databases, (client) =>
    withCopyLock(client, config.project, async () => {
      const copies = await listCopies(client, config.project);
      const partial = copies.filter((c) => c.label.kind === 'snapshot' && c.label.incomplete);
      const incoming = copies.filter((c) => c.label.kind === 'incoming');
      for (const copy of [...partial, ...incoming]) await dropCopy(client, copy);
      const parts = [...describePartialSnapshots(partial), ...describeIncoming(incoming)];
      return parts.length > 0 ? `Removed what an interrupted command left: ${parts.join('; ')}.` : undefined;
    }),
  );
}

function describePartialSnapshots(partial: DatabaseCopy[]): string[] {
  const names = [...new Set(partial.map((c) => c.label.name ?? '?'))];
  return names.map((name) => {
    const n = partial.filter((c) => c.label.name === name).length;
    return `the incomplete snapshot ${name} (${plural(n, 'copy', 'copies')}; its save was interrupted, save it again)`;
  });
}

function describeIncoming(incoming: DatabaseCopy[]): string[] {
  if (incoming.length === 0) return [];
  const from = [...new Set(incoming.map((c) => (c.label.name ? `snapshot ${c.label.name}` : 'the template')))];
  return [
    `${plural(incoming.length, 'clone', 'clones')} of ${from.join(' and ')} from a restore or reset stopped before it replaced anything (the databases are as they were)`,
  ];
}
