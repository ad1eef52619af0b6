import type { CommandContext } from '../app/context.js';
import { openSnapshotServer } from '../app/snapshot-server.js';
import { listSnapshots } from '../copies/snapshots.js';
import { chooseEngine, createEngine } from '../database/boot.js';
import { formatAge, formatBytes } from '../lib/format.js';
import type { SnapshotListOptions } from './commands.js';

/** `devup snapshot list`: name, size, age, migration state, and whether the migrations changed since. */
export default async function snapshotList(ctx: CommandContext, options: SnapshotListOptions): Promise<number> {
  const { output } = ctx;
  // A listing starts nothing: snapshots live inside the cluster, so a server that is not running is said so.
  const { name } = await chooseEngine(await ctx.loadConfig(), ctx.engine, { notice: () => {} });
  if (name !== 'external') {
    const status = await (await createEngine(await ctx.loadConfig(), name)).status();
    if (status.state !== 'running') {
      output.line(
        `Postgres (${name}) is ${status.state}: snapshots live inside its cluster; \`devup dev\` or \`devup migrate\` starts it, then \`devup snapshot list\` lists them.`,
      );
      output.event({ event: 'snapshots', snapshots: null, server: status.state });
      return 0;
    }
  }
  const { config, db } = await openSnapshotServer(ctx, options, 'list the snapshots of');
  const snapshots = await listSnapshots(config, db.connection);
  if (output.mode === 'json') {
    output.event({
      event: 'snapshots',
      snapshots: snapshots.map((s) => ({
        name: s.name,
        createdAt: s.createdAt,
        bytes: s.size,
        databases: s.copies.map((c) => c.label.source),
        migrations: s.migrations,
        changedSince: s.changedSince,
        complete: s.complete,
      })),
    });
    return 0;
  }
  if (snapshots.length === 0) {
    output.line('No snapshots. Take one with `devup snapshot save NAME`.');
    return 0;
  }
  const rows = snapshots.map((s) => {
    const applied = Object.values(s.migrations).reduce((n, m) => n + m.count, 0);
    return [
      s.name,
      formatBytes(s.size),
      `${formatAge(s.createdAt)} ago`,
      `${applied} applied in ${Object.keys(s.migrations).length} schemas`,
      !s.complete
        ? 'INCOMPLETE: its save was interrupted (or is running); not restorable'
        : s.changedSince.length > 0
          ? `${s.changedSince.join(', ')} changed since`
          : 'migrations unchanged since',
    ];
  });
  const header = ['NAME', 'SIZE', 'TAKEN', 'MIGRATIONS', 'ON DISK'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const row of [header, ...rows])
    output.line(
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    );
  return 0;
}
