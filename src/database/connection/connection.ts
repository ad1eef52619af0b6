import { isIP } from 'node:net';
import type pg from 'pg';
import { UserError } from '../../errors.js';
import { maskSecret } from '../../lib/secret-mask.js';
import { isServerWithoutTls, pgSslOption, type SslSettings, sslUrlParams, tlsError } from './tls.js';

/** Where and as whom to connect; what every engine hands back once Postgres answers. */
export interface ConnectionInfo {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** TLS as DATABASE_URL / PGSSL* asked (external engine); none for the servers devup runs. */
  ssl?: SslSettings;
}

export const APPLICATION_NAME = 'devup';

/** A postgres:// URL; `searchPath` puts a schema first for tools and services that honour `options`. */
export function connectionUrl(info: ConnectionInfo, options: { database?: string; searchPath?: string[] } = {}) {
  const url = new URL('postgresql://localhost');
  url.hostname = info.host;
  url.port = String(info.port);
  // The URL setters leave "%" alone, which would corrupt a password such as "100%sure".
  url.username = encodeURIComponent(info.user);
  url.password = encodeURIComponent(info.password);
  url.pathname = `/${options.database ?? info.database}`;
  if (options.searchPath && options.searchPath.length > 0) {
    url.searchParams.set('options', `-c search_path=${options.searchPath.join(',')}`);
  }
  for (const [key, value] of sslUrlParams(info.ssl)) url.searchParams.set(key, value);
  return url.toString();
}

/** The same URL with its password replaced, for anything that is printed. */
export function maskUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '****';
    return url.toString();
  } catch {
    return raw.replace(/:\/\/([^:/@]+):[^@]*@/, '://$1:****@');
  }
}

/**
 * A socket directory or a literal loopback address (127.0.0.0/8, ::1, ::ffff:127.x). Names are
 * not guessed at: a DNS name such as `127.example.com` may point anywhere (see resolvesToLoopback).
 */
export function isLoopbackAddress(host: string): boolean {
  if (host.startsWith('/')) return true;
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  const version = isIP(bare);
  if (version === 4) return bare.startsWith('127.');
  if (version !== 6) return false;
  // The URL parser writes IPv6 in one canonical form: ::1, and ::ffff:7f00:1 for ::ffff:127.0.0.1.
  const canonical = new URL(`http://[${bare}]`).hostname.slice(1, -1);
  return canonical === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(canonical);
}

/** True when the host is on this machine: every address it resolves to is a loopback address. */
export async function resolvesToLoopback(host: string): Promise<boolean> {
  if (host.startsWith('/') || isIP(host.replace(/^\[(.*)\]$/, '$1')) !== 0) return isLoopbackAddress(host);
  try {
    // Loaded only for a host name: an address (the usual case) needs no resolver.
    const { lookup } = await import('node:dns/promises');
    const addresses = await lookup(host, { all: true });
    return addresses.length > 0 && addresses.every((a) => isLoopbackAddress(a.address));
  } catch {
    return false; // unresolvable: not known to be local
  }
}

let pgModule: typeof pg | undefined;
export async function loadPg(): Promise<typeof pg> {
  if (pgModule) return pgModule;
  // On Node 20 (no global `navigator`), pg's Cloudflare detection builds a fetch Response at
  // import, which loads undici: ~15 ms of every start. Node 21+ defines navigator.userAgent as
  // "Node.js/…"; present the same answer for the length of the import only.
  const shim = !('navigator' in globalThis);
  if (shim) Object.defineProperty(globalThis, 'navigator', { value: { userAgent: 'Node.js' }, configurable: true });
  try {
    pgModule = (await import('pg')).default;
  } finally {
    if (shim) delete (globalThis as { navigator?: unknown }).navigator;
  }
  return pgModule;
}

/** Servers that answered sslmode=prefer's TLS request with "no": asked once per process. */
const serversWithoutTls = new Set<string>();

export async function connect(info: ConnectionInfo, options: { database?: string } = {}): Promise<pg.Client> {
  const { Client } = await loadPg();
  const server = `${info.host}:${info.port}`;
  const preferred = info.ssl?.mode === 'prefer';
  const plaintext = preferred && serversWithoutTls.has(server);
  const open = async (ssl: ReturnType<typeof pgSslOption>) => {
    const client = new Client({
      host: info.host,
      port: info.port,
      user: info.user,
      password: info.password,
      database: options.database ?? info.database,
      application_name: APPLICATION_NAME,
      connectionTimeoutMillis: 10_000,
      ssl,
    });
    // An idle client whose server goes away emits 'error'; the next query reports it instead.
    client.on('error', () => {});
    await client.connect();
    return client;
  };
  try {
    return await open(plaintext ? false : pgSslOption(info.ssl));
  } catch (error) {
    // libpq's `prefer`: TLS when the server offers it, plaintext when it says it has none.
    if (!preferred || plaintext || !isServerWithoutTls(error)) throw error;
    serversWithoutTls.add(server);
    return open(false);
  }
}

/** Borrows a connection for the length of `fn`; it is always closed afterwards. */
export async function withClient<T>(
  info: ConnectionInfo,
  fn: (client: pg.Client) => Promise<T>,
  options: { database?: string } = {},
): Promise<T> {
  let client: pg.Client;
  try {
    client = await connect(info, options);
  } catch (error) {
    throw connectionError(info, error, options.database);
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** A connection attempt failed because the database does not exist (yet): 3D000, wrapped by withClient. */
export function isMissingDatabase(error: unknown): boolean {
  return (error as { cause?: { code?: string } }).cause?.code === '3D000';
}

export interface PgError extends Error {
  code?: string;
  position?: string;
  detail?: string;
  hint?: string;
  where?: string;
  severity?: string;
}

export function isPgError(error: unknown): error is PgError {
  return error instanceof Error && typeof (error as PgError).code === 'string';
}

/** Turns a failed connection attempt into a sentence a user can act on. */
export function connectionError(info: ConnectionInfo, error: unknown, database?: string): UserError {
  const where = `${info.host}:${info.port}`;
  const db = database ?? info.database;
  const code = (error as PgError).code;
  const message = maskSecret((error as Error).message ?? String(error), info.password);
  const tls = tlsError(error, { where, host: info.host, ssl: info.ssl });
  if (tls) return tls;
  // 28000 is also pg_hba.conf turning the connection away: no password would help.
  if (code === '28000' && /pg_hba\.conf/.test(message)) {
    return new UserError(
      `Postgres at ${where} does not accept connections of user "${info.user}" from here: ${message}`,
      {
        hint: "The server's pg_hba.conf has no line letting this host, user and database in (or it demands TLS: add sslmode=require to the URL). Add one, or connect as a user it allows.",
        cause: error,
      },
    );
  }
  if (code === '28P01' || code === '28000') {
    return new UserError(`Postgres at ${where} refused user "${info.user}": ${message}`, {
      hint: 'Check database.user and database.password (or DATABASE_URL).',
      cause: error,
    });
  }
  if (code === '3D000') {
    return new UserError(`database "${db}" does not exist on ${where}`, {
      hint: 'Create it, or check database.database (or the path of DATABASE_URL).',
      cause: error,
    });
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH') {
    return new UserError(`cannot reach Postgres at ${where} (${code})`, {
      hint: 'Is the server running, and is the host and port right?',
      cause: error,
    });
  }
  return new UserError(`cannot connect to Postgres at ${where}: ${message}`, { cause: error });
}
