import { readFileSync } from 'node:fs';
import { parse, toClientConfig } from 'pg-connection-string';
import { UserError } from '../../errors.js';
import { type ConnectionInfo, maskUrl } from './connection.js';
import { isSslMode, SSL_MODES, type SslMode, type SslSettings } from './tls.js';

/** The URL parameters libpq also takes from the environment, and their variables. */
const SSL_VARIABLES = {
  sslmode: 'PGSSLMODE',
  sslrootcert: 'PGSSLROOTCERT',
  sslcert: 'PGSSLCERT',
  sslkey: 'PGSSLKEY',
} as const;

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|::1)$/;

/**
 * Parses a postgres:// URL (external engine, DATABASE_URL) with pg-connection-string, libpq's
 * way: `sslmode`, `sslrootcert`, `sslcert`, `sslkey` from the URL, else from PGSSL* in `env`;
 * no sslmode at all means libpq's default, `prefer` (plaintext on loopback). Certificate files are read here, so a
 * missing one stops devup before anything is applied.
 */
export function parseConnectionUrl(raw: string, env: NodeJS.ProcessEnv = process.env): ConnectionInfo {
  let url: URL;
  try {
    url = new URL(raw);
    if (!/^postgres(ql)?:$/.test(url.protocol)) throw new Error('protocol');
  } catch {
    throw new UserError('DATABASE_URL is not a postgres:// URL', {
      hint: 'Write it as postgresql://user:password@host:5432/database?sslmode=verify-full',
    });
  }
  checkEscapes(raw, url);
  for (const [param, variable] of Object.entries(SSL_VARIABLES)) {
    const value = env[variable];
    if (!url.searchParams.has(param) && value) url.searchParams.set(param, value);
  }
  const mode = url.searchParams.get('sslmode');
  if (mode !== null && !isSslMode(mode)) {
    const from = new URL(raw).searchParams.has('sslmode') ? 'in DATABASE_URL' : 'in PGSSLMODE';
    throw new UserError(`sslmode "${mode}" ${from} is not one devup knows`, {
      hint: `Use one of ${SSL_MODES.join(', ')}.`,
    });
  }
  // Nothing asked: libpq's `prefer`, except on loopback, where TLS protects nothing and a refused
  // TLS request would cost pg a second connection on every start.
  const implied: SslMode = LOOPBACK.test(decodeURIComponent(url.hostname) || 'localhost') ? 'disable' : 'prefer';
  if (mode === null) url.searchParams.set('sslmode', implied);
  // devup asks for libpq's meaning of each sslmode itself; a second request in the URL would clash.
  url.searchParams.delete('uselibpqcompat');
  for (const param of ['sslrootcert', 'sslcert', 'sslkey'] as const) checkReadable(url, param);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(url.toString(), { useLibpqCompat: true });
  } catch (error) {
    throw parseError(error, mode);
  }
  const clientSsl = toClientConfig(parsed).ssl;
  const file = (param: keyof typeof SSL_VARIABLES) => url.searchParams.get(param) ?? undefined;
  const rootCert = file('sslrootcert');
  const cert = file('sslcert');
  const key = file('sslkey');
  const ssl: SslSettings = {
    mode: mode ?? implied,
    ...(rootCert ? { rootCert } : {}),
    ...(cert ? { cert } : {}),
    ...(key ? { key } : {}),
    ...(mode === null ? { implied: true } : {}),
    tls: typeof clientSsl === 'object' ? clientSsl : {},
  };
  return {
    host: parsed.host || 'localhost',
    port: parsed.port ? Number(parsed.port) : 5432,
    user: parsed.user || 'postgres',
    password: parsed.password ?? '',
    database: parsed.database || 'postgres',
    ssl,
  };
}

/** A `%` not followed by two hex digits would reach decodeURIComponent as a bare URIError. */
function checkEscapes(raw: string, url: URL): void {
  const parts = { user: url.username, password: url.password, 'database name': url.pathname };
  for (const [what, part] of Object.entries(parts)) {
    try {
      decodeURIComponent(part);
    } catch (error) {
      throw new UserError(
        `the database URL ${maskUrl(raw)} has a "%" in its ${what} that is not followed by two hex digits`,
        {
          hint: 'Write a literal % as %25 (encode the other special characters of a password the same way, e.g. with encodeURIComponent).',
          cause: error,
        },
      );
    }
  }
}

/** pg-connection-string reads the files with no word of which parameter named them: say it first. */
function checkReadable(url: URL, param: keyof typeof SSL_VARIABLES): void {
  const file = url.searchParams.get(param);
  if (!file) return;
  try {
    readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UserError(`cannot read ${param} "${file}" (${code})`, {
      hint: `Check the path given by ${param} in DATABASE_URL (or ${SSL_VARIABLES[param]}): it must be a file readable by the user devup runs as.`,
      cause: error,
    });
  }
}

function parseError(error: unknown, mode: string | null): UserError {
  if (mode === 'verify-ca') {
    return new UserError('sslmode=verify-ca needs sslrootcert: the CA to check the server against', {
      hint: "Name the CA file with sslrootcert in DATABASE_URL (or PGSSLROOTCERT), or use sslmode=verify-full to check the host name against the system's CAs.",
      cause: error,
    });
  }
  return new UserError(`DATABASE_URL cannot be parsed: ${(error as Error).message}`, {
    hint: 'Write it as postgresql://user:password@host:port/database, with characters such as @ : / % in the password percent-encoded.',
    cause: error,
  });
}
