import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { readCheckoutRecord } from './checkout-record.js';
import { type CheckoutEntry, type RegistryRead, registryFile, usableEntries } from './registry.js';

/**
 * The entries of a truncated file that were written whole: the longest prefix that parses once
 * its open braces are closed. The file is small (one entry per checkout), so trying each `}` is cheap.
 */
function salvageTruncated(text: string): Record<string, CheckoutEntry> {
  for (let end = text.lastIndexOf('}'); end > 0; end = text.lastIndexOf('}', end - 1)) {
    for (const closing of ['', '}', '}}', '}}}', '}}}}']) {
      try {
        const { checkouts } = usableEntries(JSON.parse(`${text.slice(0, end + 1)}${closing}`));
        if (Object.keys(checkouts).length > 0) return checkouts;
      } catch {
        // Not a whole prefix yet: try a shorter one.
      }
    }
  }
  return {};
}

/** `.devup` directories the damaged text names (as entry keys or stateDir values), where records may live. */
function namedStateDirs(text: string): string[] {
  const dirs = new Set<string>();
  const unquote = (quoted: string) => {
    try {
      return JSON.parse(`"${quoted}"`) as string;
    } catch {
      return undefined;
    }
  };
  for (const match of text.matchAll(/"stateDir"\s*:\s*"((?:[^"\\]|\\.)*)"/g)) {
    const dir = unquote(match[1] ?? '');
    if (dir !== undefined && path.isAbsolute(dir)) dirs.add(dir);
  }
  for (const match of text.matchAll(/"((?:[^"\\]|\\.)*)"\s*:\s*\{/g)) {
    const root = unquote(match[1] ?? '');
    if (root !== undefined && path.isAbsolute(root)) dirs.add(path.join(root, '.devup'));
  }
  return [...dirs];
}

/** Entries for moved checkouts whose own `.devup/checkout.json` survives, missing from `checkouts`. */
function rebuildFromRecords(stateDirs: string[], checkouts: Record<string, CheckoutEntry>): number {
  let rebuilt = 0;
  for (const stateDir of stateDirs) {
    const record = readCheckoutRecord(stateDir);
    if (record === undefined || checkouts[record.root] !== undefined) continue;
    checkouts[record.root] = {
      project: record.project,
      configPath: record.configPath ?? '',
      stateDir,
      first: false,
      ports: record.ports,
      dockerName: record.dockerName,
      dataDir: record.dataDir ?? path.join(stateDir, 'postgres'),
    };
    rebuilt++;
  }
  return rebuilt;
}

/**
 * Mends a damaged registry in place (the caller holds its lock and writes it next): keeps a copy of
 * the file, keeps what can be read, rebuilds what the checkouts' own records tell. Returns one line.
 */
export function repairRegistry(dir: string, read: RegistryRead, now = new Date()): string {
  const file = registryFile(dir);
  const text = read.text ?? '';
  const backup = `${file}.damaged-${now.toISOString().replaceAll(':', '-')}`;
  copyFileSync(file, backup);
  const checkouts = read.registry.checkouts;
  if (Object.keys(checkouts).length === 0) Object.assign(checkouts, salvageTruncated(text));
  const kept = Object.keys(checkouts).length;
  const rebuilt = rebuildFromRecords(namedStateDirs(text), checkouts);
  return `The list of checkouts on this machine (${file}) was damaged (${read.damage}): kept ${kept} ${kept === 1 ? 'entry' : 'entries'}, rebuilt ${rebuilt} from the checkouts' .devup/checkout.json; the old file is ${path.basename(backup)}.`;
}
