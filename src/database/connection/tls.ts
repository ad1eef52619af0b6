import type { ConnectionOptions } from 'node:tls';
import { UserError } from '../../errors.js';

/** libpq's sslmode values devup honours (https://www.postgresql.org/docs/current/libpq-ssl.html). */
export const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** How to talk TLS to the server, as the URL or the PGSSL* variables asked. */
export interface SslSettings {
  mode: SslMode;
  /** Files as the user named them: handed on to tools and services unchanged. */
  rootCert?: string;
  cert?: string;
  key?: string;
  /** libpq's default (nothing asked): tried, not demanded, and not handed on to tools. */
  implied?: boolean;
  /** What node's TLS gets, certificate files already read (by pg-connection-string). */
  tls: ConnectionOptions;
}

export function isSslMode(value: string): value is SslMode {
  return (SSL_MODES as readonly string[]).includes(value);
}

/** The URL parameters that carry these settings to libpq-style clients (psql, psycopg2, dbmate). */
export function sslUrlParams(ssl: SslSettings | undefined): [string, string][] {
  if (!ssl || ssl.implied) return [];
  const params: [string, string][] = [['sslmode', ssl.mode]];
  if (ssl.rootCert) params.push(['sslrootcert', ssl.rootCert]);
  if (ssl.cert) params.push(['sslcert', ssl.cert]);
  if (ssl.key) params.push(['sslkey', ssl.key]);
  return params;
}

/** The same as libpq's PGSSL* variables, for tools that read the environment. */
export function sslEnv(ssl: SslSettings | undefined): Record<string, string> {
  const names: Record<string, string> = {
    sslmode: 'PGSSLMODE',
    sslrootcert: 'PGSSLROOTCERT',
    sslcert: 'PGSSLCERT',
    sslkey: 'PGSSLKEY',
  };
  return Object.fromEntries(sslUrlParams(ssl).map(([key, value]) => [names[key], value]));
}

/** The `ssl` option pg gets: always explicit, so pg never falls back to PGSSLMODE on its own. */
export function pgSslOption(ssl: SslSettings | undefined): false | ConnectionOptions {
  if (!ssl || ssl.mode === 'disable') return false;
  return ssl.tls;
}

/** pg's words when the server answers an SSLRequest with "N". */
export function isServerWithoutTls(error: unknown): boolean {
  return error instanceof Error && error.message === 'The server does not support SSL connections';
}

const UNKNOWN_CA = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);

/** TLS alerts the server sends when it does not accept the client's certificate. */
const CLIENT_CERT_REFUSED = new Set([
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
]);

/** A failed connection as the TLS messages below read it. */
interface Failure {
  error: unknown;
  code: string;
  message: string;
  /** host:port */
  where: string;
  /** The name the certificate had to carry. */
  host: string;
  ssl: SslSettings | undefined;
}

/**
 * A TLS failure in words a user can act on, or undefined when the error is not about TLS.
 * `where` is host:port; `host` the name the certificate had to carry.
 */
export function tlsError(
  error: unknown,
  context: { where: string; host: string; ssl: SslSettings | undefined },
): UserError | undefined {
  const failure: Failure = {
    ...context,
    error,
    code: (error as { code?: string }).code ?? '',
    message: error instanceof Error ? error.message : String(error),
  };
  return (
    serverCertificateError(failure) ??
    serverWithoutTlsError(failure) ??
    clientCertificateError(failure) ??
    plaintextRefusedError(failure) ??
    otherTlsError(failure)
  );
}

/** The server's certificate did not pass devup's checks: its CA, its dates, its names. */
function serverCertificateError({ error, code, message, where, host, ssl }: Failure): UserError | undefined {
  if (UNKNOWN_CA.has(code)) {
    const rootCert = ssl?.rootCert ? ` (sslrootcert ${ssl.rootCert})` : " (the system's CAs: no sslrootcert given)";
    return new UserError(`the certificate of Postgres at ${where} is not signed by a CA devup trusts${rootCert}`, {
      hint: "Point sslrootcert in DATABASE_URL (or PGSSLROOTCERT) at the CA that signed the server's certificate; managed Postgres providers publish theirs.",
      cause: error,
    });
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return new UserError(`the certificate of Postgres at ${where} is not valid now (${code})`, {
      hint: "Renew the server's certificate, or check this machine's clock.",
      cause: error,
    });
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return new UserError(`host name "${host}" is not in the certificate of Postgres at ${where}`, {
      hint: `Connect with a name the certificate lists (${message.replace(/^.*?:\s*/, '')}), or use sslmode=verify-ca to check the CA only.`,
      cause: error,
    });
  }
  return undefined;
}

function serverWithoutTlsError({ error, where, ssl }: Failure): UserError | undefined {
  if (!isServerWithoutTls(error)) return undefined;
  return new UserError(`Postgres at ${where} does not offer TLS, and sslmode=${ssl?.mode ?? 'require'} demands it`, {
    hint: 'Turn on ssl in the server, or use sslmode=disable (or prefer) only on a network you trust.',
    cause: error,
  });
}

function clientCertificateError({ error, code, message, where, ssl }: Failure): UserError | undefined {
  if (!CLIENT_CERT_REFUSED.has(code) && !/client certificate|certificate authentication failed/i.test(message)) {
    return undefined;
  }
  const cert = ssl?.cert ? `client certificate ${ssl.cert}` : 'connection without a client certificate';
  return new UserError(`Postgres at ${where} refused the ${cert}: ${message}`, {
    hint: "Use sslcert/sslkey (or PGSSLCERT/PGSSLKEY) for a certificate signed by the CA the server trusts (its ssl_ca_file), issued to the database user's name.",
    cause: error,
  });
}

/**
 * pg_hba answered "hostnossl … reject" / no entry for an unencrypted connection. Only when TLS
 * was not tried: under prefer, a plaintext connection means the server offers no TLS at all,
 * and the refusal is pg_hba's about this host or user (see connectionError).
 */
function plaintextRefusedError({ error, code, message, where, ssl }: Failure): UserError | undefined {
  const triedTls = ssl !== undefined && ssl.mode !== 'disable';
  if (!(code === '28000' || code === '28P01') || !/no encryption|SSL off/i.test(message) || triedTls) return undefined;
  // pg_hba says the same for "this server takes TLS only" and "this user may not come in":
  // name both ways out rather than guess.
  return new UserError(`Postgres at ${where} turned this plaintext connection away (pg_hba.conf): ${message}`, {
    hint:
      'If the server accepts only TLS, add sslmode=verify-full&sslrootcert=<the CA file> to DATABASE_URL (or set PGSSLMODE and PGSSLROOTCERT). ' +
      'Otherwise its pg_hba.conf has no line letting this host, user and database in: add one, or connect as a user it allows.',
    cause: error,
  });
}

/** Any other failure of OpenSSL or node's TLS: most often files that do not belong together. */
function otherTlsError({ error, code, message, where }: Failure): UserError | undefined {
  if (!code.startsWith('ERR_OSSL') && !code.startsWith('ERR_SSL') && !code.startsWith('ERR_TLS')) return undefined;
  return new UserError(`TLS with Postgres at ${where} failed: ${message}`, {
    hint: 'Check that sslcert and sslkey belong together and are PEM files, and that sslrootcert is the CA of the server.',
    cause: error,
  });
}
