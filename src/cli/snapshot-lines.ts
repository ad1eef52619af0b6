import type { ResolvedConfig } from '../config/types.js';
import type { ConnectionInfo } from '../database/connection.js';
import { formatBytes } from '../database/database-copy.js';
import { listSnapshots, type Snapshot } from '../migrations/snapshots.js';
import { formatAge } from '../ui/format-age.js';

/** One line per snapshot, for the lists of what a command keeps or destroys. */
export function describeSnapshots(snapshots: Snapshot[], options: { sizes: boolean }): string[] {
  return snapshots.map(
    (s) => `snapshot ${s.name} (${options.sizes ? `${formatBytes(s.size)}, ` : ''}taken ${formatAge(s.createdAt)} ago)`,
  );
}

/** The same, asked of the server; none when it can't say. */
export async function snapshotLines(config: ResolvedConfig, admin: ConnectionInfo): Promise<string[]> {
  try {
    return describeSnapshots(await listSnapshots(config, admin), { sizes: true });
  } catch {
    return [];
  }
}
