import type { DatabaseBootSettings } from '../config/types.js';
import { expectedConnection } from '../database/boot.js';
import { resolvesToLoopback } from '../database/connection/connection.js';
import type { ConcreteEngine } from '../database/engine.js';
import { UserError } from '../errors.js';

/**
 * Destructive or heavy database operations (reset, snapshots) on an external server only when it
 * runs on this machine, or when the user says so with --force.
 */
export async function requireLocalServer(
  config: DatabaseBootSettings,
  engine: ConcreteEngine,
  force: boolean,
  what: string,
): Promise<void> {
  if (engine !== 'external' || force) return;
  const host = (await expectedConnection(config, 'external')).host;
  // A name is resolved: `db.local` may point anywhere, and only addresses on this machine count.
  if (await resolvesToLoopback(host)) return;
  throw new UserError(`refusing to ${what} the external database on ${host}: it is not on this machine`, {
    hint: 'devup only does this to remote databases when told so explicitly: pass --force (and --yes) if you are sure.',
  });
}
