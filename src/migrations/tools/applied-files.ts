import { fileHash } from './content-hash.js';
import type { ToolFingerprint } from './fingerprint-store.js';
import type { MigrationSet, ToolHistoryRow } from './tool-adapter.js';

/**
 * Each applied migration's file hash, to record after a run: those applied before this run keep
 * the hash recorded when they were applied (so an edit made since stays visible), the others are
 * read now. Tools whose files devup cannot map to ids record nothing.
 */
export function appliedFileHashes(
  set: MigrationSet | undefined,
  rows: readonly ToolHistoryRow[] | undefined,
  recorded: ToolFingerprint | undefined,
  appliedBefore: ReadonlySet<string>,
): Record<string, string> | undefined {
  if (!set?.fileOf || !rows) return undefined;
  const hashes: Record<string, string> = {};
  for (const id of set.applied(rows)) {
    const kept = appliedBefore.has(id) ? recorded?.applied?.[id] : undefined;
    const file = set.fileOf(id);
    const hash = kept ?? (file ? fileHash(file) : undefined);
    if (hash !== undefined) hashes[id] = hash;
  }
  return hashes;
}

/** The applied ids that were still the empty template when applied (kept from before this run). */
export function appliedUnwritten(
  set: MigrationSet | undefined,
  rows: readonly ToolHistoryRow[] | undefined,
  recorded: ToolFingerprint | undefined,
  appliedBefore: ReadonlySet<string>,
): string[] | undefined {
  if (!set?.unwritten || !rows) return undefined;
  const before = new Set(recorded?.unwritten ?? []);
  return set.applied(rows).filter((id) => (appliedBefore.has(id) ? before.has(id) : (set.unwritten?.has(id) ?? false)));
}

/** Applied migrations whose file is not the one that was applied (edited since). */
export function editedSinceApplied(
  set: MigrationSet | undefined,
  rows: readonly ToolHistoryRow[] | undefined,
  recorded: ToolFingerprint | undefined,
): string[] {
  if (!set?.fileOf || !rows || !recorded?.applied) return [];
  const hashes = recorded.applied;
  return set.applied(rows).filter((id) => {
    const file = set.fileOf?.(id);
    const then = hashes[id];
    return file !== undefined && then !== undefined && fileHash(file) !== then;
  });
}
