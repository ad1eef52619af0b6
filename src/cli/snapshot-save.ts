import type { CommandContext } from '../app/context.js';
import { openSnapshotServer } from '../app/snapshot-server.js';
import { clearInterruptedCopies } from '../copies/interrupted-copies.js';
import { checkSnapshotName, saveSnapshot } from '../copies/snapshots.js';
import { formatDuration } from '../lib/format.js';
import type { SnapshotSaveArgs, SnapshotSaveOptions } from './commands.js';

/** `devup snapshot save NAME`: a copy of every project database, kept on the same server. */
export default async function snapshotSave(
  ctx: CommandContext,
  options: SnapshotSaveOptions,
  [name]: SnapshotSaveArgs,
): Promise<number> {
  checkSnapshotName(name);
  const { output } = ctx;
  const { config, db } = await openSnapshotServer(ctx, options, 'snapshot');
  const cleared = await clearInterruptedCopies(config, db.connection);
  if (cleared) output.notice(cleared);
  const started = performance.now();
  const { snapshot, ended } = await saveSnapshot(config, db.connection, name);
  const ms = performance.now() - started;
  output.line(
    `${output.style('green', '✔')} Saved snapshot ${name}: ${snapshot.join(', ')} (${formatDuration(ms)}${ended > 0 ? `; ended ${ended} connection${ended === 1 ? '' : 's'} to copy the databases` : ''})`,
  );
  output.event({ event: 'snapshot-saved', name, databases: snapshot, ended, ms: Math.round(ms) });
  return 0;
}
