import type pg from 'pg';
import { withClient } from './connection/connection.js';
import type { RunningDatabase } from './engine.js';

/** A server as boot hands it back: with `keepClient`, the connection that proved it ready, to be borrowed. */
export interface BootedDatabase extends RunningDatabase {
  /** Owned by withWarmClient: read, lent and ended there only. */
  warmClient?: pg.Client | undefined;
}

/**
 * Lends the booted server's open connection to `fn` and ends it once `fn` settles, resolved or
 * thrown: the one place the warm path's connection is ended. It is lent once; a borrow after that
 * (or after a boot that kept none) gets a connection of its own, ended the same way.
 */
export async function withWarmClient<T>(db: BootedDatabase, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const kept = db.warmClient;
  db.warmClient = undefined;
  if (!kept) return withClient(db.connection, fn);
  try {
    return await fn(kept);
  } finally {
    await kept.end().catch(() => {});
  }
}
