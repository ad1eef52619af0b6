import type { CommandContext } from '../app/context.js';
import { prepareDatabase } from '../app/dev/prepare-database.js';
import { openSnapshotServer } from '../app/snapshot-server.js';
import { scheduleTidy } from '../app/tidy-copies.js';
import { clearInterruptedCopies } from '../copies/interrupted-copies.js';
import { findSnapshot, incompleteSnapshot, restoreSnapshot } from '../copies/snapshots.js';
import { formatAge, formatDuration } from '../lib/format.js';
import { readDevSession } from '../services/dev-session.js';
import { confirm } from '../ui/confirm.js';
import type { SnapshotRestoreArgs, SnapshotRestoreOptions } from './commands.js';

/**
 * `devup snapshot restore NAME`: replaces every project database with its copy in the snapshot,
 * then applies the migrations written since. Sessions on those databases are ended.
 */
export default async function snapshotRestore(
  ctx: CommandContext,
  options: SnapshotRestoreOptions,
  [name]: SnapshotRestoreArgs,
): Promise<number> {
  const { output } = ctx;
  const { config, db } = await openSnapshotServer(ctx, options, 'restore a snapshot over');
  const snapshot = await findSnapshot(config, db.connection, name);
  if (!snapshot.complete) throw incompleteSnapshot(snapshot.name);
  output.line(
    `devup snapshot restore replaces, with snapshot ${snapshot.name} (taken ${formatAge(snapshot.createdAt)} ago):`,
  );
  for (const copy of snapshot.copies) output.line(`  database ${copy.label.source}`);
  if (snapshot.changedSince.length > 0) {
    output.line(`${snapshot.changedSince.join(', ')} changed since: what is pending is applied after the restore.`);
  }
  if (!(await confirm('Replace them?', { yes: options.yes === true }))) {
    output.line('Nothing changed.');
    return 1;
  }
  const cleared = await clearInterruptedCopies(config, db.connection);
  if (cleared) output.notice(cleared);
  const started = performance.now();
  const { restored, untouched, ended } = await restoreSnapshot(config, db.connection, snapshot);
  const ms = performance.now() - started;
  output.line(
    `${output.style('green', '✔')} Restored ${restored.join(', ')} from snapshot ${snapshot.name} (${formatDuration(ms)}${ended > 0 ? `; ended ${ended} connection${ended === 1 ? '' : 's'}` : ''})`,
  );
  if (untouched.length > 0) output.warn(`Not in the snapshot, kept as they are: ${untouched.join(', ')}.`);
  output.event({ event: 'snapshot-restored', name: snapshot.name, databases: restored, ended, ms: Math.round(ms) });
  await scheduleTidy(ctx, config, db.connection);
  // Migrations written since the snapshot; seed data only goes to targets they create.
  await prepareDatabase(ctx, config, { seed: options.seed });
  const session = readDevSession(config.stateDir);
  if (session && ended > 0) {
    output.notice(
      `The running devup dev (pid ${session.pid}) keeps its services; their connections were ended, so they reconnect on their next query. One that does not: restart devup dev.`,
    );
  }
  return 0;
}
