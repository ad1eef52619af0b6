/** What `devup prune` did to one gone checkout, for its summary. */
export interface PruneOutcome {
  root: string;
  /** Its resources that were removed. */
  removed: string[];
  /** Why its entry stays in the list (a resource devup could not check); empty when it went. */
  kept: string[];
}

/**
 * The summary lines: "✔ Pruned" counts only the checkouts whose entry went; one whose entry stays
 * (Docker did not answer, so its containers could not be checked) is named with why.
 */
export function pruneSummary(outcomes: readonly PruneOutcome[]): { lines: string[]; complete: boolean } {
  const pruned = outcomes.filter((o) => o.kept.length === 0);
  const kept = outcomes.filter((o) => o.kept.length > 0);
  const lines: string[] = [];
  if (pruned.length > 0) {
    const removed = pruned.flatMap((o) => o.removed);
    lines.push(
      `✔ Pruned ${pruned.length} deleted ${pruned.length === 1 ? 'checkout' : 'checkouts'}${removed.length > 0 ? ` (${removed.join(', ')})` : ''}`,
    );
  }
  for (const o of kept) {
    lines.push(`! Kept the entry of ${o.root}: ${o.kept.join('; ')}. Run devup prune again once that answers.`);
  }
  return { lines, complete: kept.length === 0 };
}
