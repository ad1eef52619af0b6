import type { ResolvedConfig } from '../config/types.js';
import type { ConnectionInfo } from '../database/connection.js';
import { formatBytes } from '../database/database-copy.js';
import { listSnapshots } from '../migrations/snapshots.js';
import { formatAge } from '../ui/format-age.js';

/** One line per snapshot, for the lists of what a command keeps or destroys; none when the server can't say. */
export async function snapshotLines(
  config: ResolvedConfig,
  admin: ConnectionInfo,
  options: { sizes: boolean },
): Promise<string[]> {
  try {
    const snapshots = await listSnapshots(config, admin, options);
    return snapshots.map(
      (s) =>
        `snapshot ${s.name} (${options.sizes ? `${formatBytes(s.size)}, ` : ''}taken ${formatAge(s.createdAt)} ago)`,
    );
  } catch {
    return [];
  }
}
