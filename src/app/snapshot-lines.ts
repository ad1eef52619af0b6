import type { CopySettings } from '../copies/reset-template.js';
import { listSnapshots, type Snapshot } from '../copies/snapshots.js';
import type { ConnectionInfo } from '../database/connection/connection.js';
import { formatAge, formatBytes } from '../lib/format.js';

/** One line per snapshot, for the lists of what a command keeps or destroys. */
export function describeSnapshots(snapshots: Snapshot[], options: { sizes: boolean }): string[] {
  return snapshots.map(
    (s) =>
      `snapshot ${s.name} (${options.sizes ? `${formatBytes(s.size)}, ` : ''}taken ${formatAge(s.createdAt)} ago${s.complete ? '' : '; incomplete: its save was interrupted'})`,
  );
}

/** The same, asked of the server; none when it can't say. */
export async function snapshotLines(config: CopySettings, admin: ConnectionInfo): Promise<string[]> {
  try {
    return describeSnapshots(await listSnapshots(config, admin), { sizes: true });
  } catch {
    return [];
  }
}
