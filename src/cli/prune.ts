import { existsSync } from 'node:fs';
import type { CommandContext } from '../app/context.js';
import { findLeftovers, registeredCheckouts } from '../app/environments.js';
import { pruneSummary } from '../app/prune-summary.js';
import { describeDestroyable } from '../app/reset/reset-items.js';
import { registryDir, updateRegistry } from '../checkouts/registry.js';
import { processStart } from '../process-identity.js';
import { confirm } from '../ui/confirm.js';
import type { PruneOptions } from './commands.js';

/**
 * `devup prune [--yes]`: removes what checkouts whose directory no longer exists left behind
 * (containers, volumes, data directories, a server still running), after listing it and asking.
 */
export default async function prune(ctx: CommandContext, options: PruneOptions): Promise<number> {
  const { output } = ctx;
  const gone = registeredCheckouts().filter(([root]) => !existsSync(root));
  if (gone.length === 0) {
    output.line('Nothing to prune: every checkout devup knows of still exists.');
    return 0;
  }
  const found = await Promise.all(gone.map(([root, entry]) => findLeftovers(root, entry)));
  const held = found.filter((l) => l.moved);
  for (const { root, entry, moved } of held) {
    output.line(
      `${output.style('yellow', '!')} ${output.style('bold', entry.project)} in ${root} was moved to ${moved?.root}, where its devup dev (pid ${moved?.session.pid}, since ${moved?.session.startedAt}) runs: devup prune leaves it alone.`,
    );
  }
  if (held.length > 0) {
    output.line(
      `  Stop that session (Ctrl-C in its terminal, or \`kill ${held[0]?.moved?.session.pid}\`); its next devup dev records where the checkout is now.`,
    );
  }
  const leftovers = found.filter((l) => !l.moved);
  if (leftovers.length === 0) return 1;
  output.line('These checkouts no longer exist; devup prune removes what they left:');
  for (const l of leftovers) {
    output.line(`  ${output.style('bold', l.entry.project)} in ${l.root}`);
    for (const item of l.items) output.line(`    ${describeDestroyable(item)}`);
    if (l.orphanServer) output.line(`    server ${l.orphanServer.command} (pid ${l.orphanServer.pid}), still running`);
    for (const why of l.kept) output.line(`    kept: ${why}`);
    if (l.items.length === 0 && !l.orphanServer) output.line('    nothing left behind (only its entry in the list)');
  }
  const destroys = leftovers.some((l) => l.items.length > 0 || l.orphanServer);
  if (destroys && !(await confirm('Remove them?', { yes: options.yes === true }))) {
    output.line('Nothing changed.');
    return 1;
  }
  for (const l of leftovers) {
    if (l.orphanServer) await stopProcess(l.orphanServer.pid);
    await l.removeInfra();
    for (const engine of l.engines) await engine.destroy();
  }
  await updateRegistry(registryDir(), (registry) => {
    for (const l of leftovers) if (l.kept.length === 0) delete registry.checkouts[l.root];
  });
  const summary = pruneSummary(
    leftovers.map((l) => ({ root: l.root, removed: l.items.map((i) => i.name), kept: l.kept })),
  );
  for (const line of summary.lines) {
    output.line(line.replace(/^✔/, output.style('green', '✔')).replace(/^!/, output.style('yellow', '!')));
  }
  output.event({
    event: 'pruned',
    checkouts: leftovers.map((l) => ({ checkout: l.root, project: l.entry.project, items: l.items })),
  });
  return held.length > 0 || !summary.complete ? 1 : 0;
}

/** A fast shutdown (SIGINT) of a server whose data directory is gone, waiting until it has exited. */
async function stopProcess(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return; // already gone
  }
  while (processStart(pid) !== undefined) await new Promise((resolve) => setTimeout(resolve, 50));
}
