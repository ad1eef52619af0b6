import type { PgError } from './connection.js';

/**
 * The connection went away under a query: the server was stopped, restarted or killed, or the
 * backend was terminated. pg reports these with a SQLSTATE (57P01…), a socket code, or only a
 * message ("Connection terminated unexpectedly", "… is not queryable" for every later query).
 */
export function isConnectionLost(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as PgError).code ?? '';
  if (/^57P0[1-3]$/.test(code) || (code.startsWith('08') && code !== '08P01')) return true;
  if (['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT'].includes(code)) return true;
  return /Connection terminated|not queryable|Client was closed|server closed the connection/i.test(error.message);
}

/**
 * A hint for a server error that is not about the SQL as written: resources, privileges, the
 * connection, data that does not fit. Undefined when the error says nothing of that kind.
 */
export function serverErrorHint(error: unknown): string | undefined {
  if (isConnectionLost(error)) {
    return 'The connection to Postgres was lost (was the server stopped, restarted or out of memory?): start it and run again.';
  }
  const code = (error as PgError).code ?? '';
  switch (code) {
    case '42501':
      return "The database user lacks a privilege this needs: grant it, or connect as the schema's owner.";
    case '53100':
      return "The server's disk is full: free space where its data directory lives, then run again.";
    case '53200':
      return 'The server ran out of memory: free some (or lower work_mem), then run again.';
    case '53300':
      return 'The server has no free connection slot: close other clients (or raise max_connections), then run again.';
    case '22003':
      return 'A number is out of range for its column type.';
    case '08P01':
      return 'Postgres could not read what devup sent (a NUL byte in the SQL?): check the file for bytes that are not text.';
    case '57014':
      return 'A statement was cancelled (statement_timeout, or cancelled by an administrator): run again, or raise the timeout.';
  }
  if (code.startsWith('53'))
    return 'The server ran out of a resource (disk, memory or connections): free some, then run again.';
  if (code.startsWith('40'))
    return 'A concurrent transaction got in the way (deadlock or serialization failure): run again.';
  return undefined;
}
