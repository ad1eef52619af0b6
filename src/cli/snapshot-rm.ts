import type { CommandContext } from '../app/context.js';
import { openSnapshotServer } from '../app/snapshot-server.js';
import { findSnapshot, removeSnapshot } from '../copies/snapshots.js';
import { formatBytes } from '../lib/format.js';
import type { SnapshotRmArgs, SnapshotRmOptions } from './commands.js';

/** `devup snapshot rm NAME`: drops the snapshot's copies (the name given is the confirmation). */
export default async function snapshotRm(
  ctx: CommandContext,
  options: SnapshotRmOptions,
  [name]: SnapshotRmArgs,
): Promise<number> {
  const { output } = ctx;
  const { config, db } = await openSnapshotServer(ctx, options, 'remove a snapshot of');
  const snapshot = await findSnapshot(config, db.connection, name);
  await removeSnapshot(config, db.connection, snapshot);
  output.line(`${output.style('green', '✔')} Removed snapshot ${snapshot.name} (${formatBytes(snapshot.size)} freed)`);
  output.event({ event: 'snapshot-removed', name: snapshot.name, bytes: snapshot.size });
  return 0;
}
