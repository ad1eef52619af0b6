import { errorMessage } from '../../errors.js';
import { hashFiles } from './content-hash.js';
import { listDir, memoBySignature } from './file-listing.js';
import { MigrationFilesError, type MigrationSet, type ToolAdapter, type ToolSettings } from './tool-adapter.js';

/** A tool's migration files as devup read them, once per process while they stay unchanged. */
export interface ToolFiles {
  migrationsDir: string;
  /** hashFiles over the files that count. */
  hash: string;
  /** Undefined for tools whose files only the tool understands, or when `problem` is set. */
  set: MigrationSet | undefined;
  /** Why the files could not be read (a missing directory, a file devup can't parse). */
  problem: string | undefined;
}

export function readToolFiles(adapter: ToolAdapter, settings: ToolSettings, stateDir: string): ToolFiles {
  const migrationsDir = adapter.migrationsDir(settings);
  const snapshot = listDir(migrationsDir, {
    recursive: adapter.recursive,
    include: (relative) => adapter.includes(relative),
    exclude: [stateDir],
  });
  return memoBySignature(`${adapter.tool}\0${migrationsDir}`, snapshot.signature, (): ToolFiles => {
    const hash = hashFiles(snapshot.files);
    if (!snapshot.exists) return { migrationsDir, hash, set: undefined, problem: `no directory ${migrationsDir}` };
    if (!adapter.parse) return { migrationsDir, hash, set: undefined, problem: undefined };
    try {
      return { migrationsDir, hash, set: adapter.parse(snapshot.files), problem: undefined };
    } catch (error) {
      // Unreadable or unparseable files: let the tool judge them (and report them) itself.
      const reason = error instanceof MigrationFilesError ? error.message : `cannot read: ${errorMessage(error)}`;
      return { migrationsDir, hash, set: undefined, problem: reason };
    }
  });
}
