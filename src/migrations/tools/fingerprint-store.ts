import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { MigrationTool } from '../../config/schema.js';
import { writeJsonAtomic } from '../../lib/atomic-json.js';
import type { TargetBase } from '../targets.js';

/** What a target looked like right after its tool last succeeded. */
export interface ToolFingerprint {
  tool: MigrationTool;
  /** Hash of the migration files (hashFiles). */
  files: string;
  /** Hash of the tool's history rows, for tools whose files devup can't read; else ''. */
  history: string;
  /** Cluster, database and schema identity: a reset or re-created database no longer matches. */
  identity: string;
  /** The contexts it ran with, for tools that have contexts (Liquibase). */
  contexts?: string;
  /** Each applied migration's file hash as it was applied, by id (tools devup can read). */
  applied?: Record<string, string>;
  /** Applied while still the empty template: nothing ran, so going down needs nothing undone. */
  unwritten?: string[];
  recordedAt: string;
}

interface StoreFile {
  version: 1;
  targets: Record<string, ToolFingerprint>;
}

export const FINGERPRINT_FILE = 'tool-fingerprints.json';

export function fingerprintKey(target: TargetBase): string {
  return `${target.database ?? ''}/${target.schema}/${target.service}`;
}

let cached: { file: string; mtimeMs: number; size: number; store: StoreFile } | undefined;

function emptyStore(): StoreFile {
  return { version: 1, targets: {} };
}

function readStore(stateDir: string): StoreFile {
  const file = path.join(stateDir, FINGERPRINT_FILE);
  let stats: { mtimeMs: number; size: number };
  try {
    stats = statSync(file);
  } catch {
    return emptyStore();
  }
  if (cached && cached.file === file && cached.mtimeMs === stats.mtimeMs && cached.size === stats.size)
    return cached.store;
  let store: StoreFile;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<StoreFile>;
    // An unreadable or foreign file only costs one run of each tool.
    store =
      parsed.version === 1 && parsed.targets && typeof parsed.targets === 'object'
        ? (parsed as StoreFile)
        : emptyStore();
  } catch {
    store = emptyStore();
  }
  cached = { file, mtimeMs: stats.mtimeMs, size: stats.size, store };
  return store;
}

/** Reads, changes and rewrites the file in one synchronous step, so parallel runs in this process can't interleave. */
function updateStore(stateDir: string, change: (store: StoreFile) => void): void {
  const current = readStore(stateDir);
  const next: StoreFile = { version: 1, targets: { ...current.targets } };
  change(next);
  writeJsonAtomic(path.join(stateDir, FINGERPRINT_FILE), next);
  cached = undefined;
}

/** Every recorded fingerprint, by key. */
export function listFingerprints(stateDir: string): Record<string, ToolFingerprint> {
  return { ...readStore(stateDir).targets };
}

export function readFingerprint(stateDir: string, key: string): ToolFingerprint | undefined {
  return readStore(stateDir).targets[key];
}

export function recordFingerprint(stateDir: string, key: string, fingerprint: ToolFingerprint): void {
  updateStore(stateDir, (store) => {
    store.targets[key] = fingerprint;
  });
}

export function forgetFingerprint(stateDir: string, key: string): void {
  if (readFingerprint(stateDir, key) === undefined) return;
  updateStore(stateDir, (store) => {
    delete store.targets[key];
  });
}

/**
 * The next check runs the tool again, but the applied migrations keep the hashes recorded when
 * they were applied (less `undone`, rolled back): an edit made since stays visible.
 */
export function invalidateFingerprint(stateDir: string, key: string, undone: readonly string[] = []): void {
  const recorded = readFingerprint(stateDir, key);
  if (recorded?.applied === undefined) {
    forgetFingerprint(stateDir, key);
    return;
  }
  const applied = { ...recorded.applied };
  for (const id of undone) delete applied[id];
  const unwritten = (recorded.unwritten ?? []).filter((id) => !undone.includes(id));
  updateStore(stateDir, (store) => {
    store.targets[key] = { ...recorded, files: '', applied, unwritten };
  });
}
