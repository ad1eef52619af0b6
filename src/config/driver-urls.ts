import type { PlaceholderValues } from './env-placeholders.js';

/**
 * The forms of the database URL that drivers want instead of the plain `postgresql://`:
 * SQLAlchemy names its driver in the scheme (`postgresql+asyncpg://`), JDBC has its own prefix
 * and takes the credentials as parameters.
 */
export const URL_FORMS = ['asyncpg', 'psycopg', 'psycopg2', 'jdbc'] as const;
export type UrlForm = (typeof URL_FORMS)[number];

/** One database connection, as the variables devup already hands out (DATABASE_URL, PG*). */
export interface ConnectionParts {
  /** The plain `postgresql://user:password@host:port/database` (TLS parameters included). */
  url: string;
  host: string;
  port: string;
  user: string;
  password: string;
  database: string;
}

/** libpq's certificate parameters: asyncpg takes none of them as keywords. */
const CERTIFICATE_PARAMS = ['sslrootcert', 'sslcert', 'sslkey'];

export function driverUrl(parts: ConnectionParts, form: UrlForm): string {
  if (parts.url === '') return '';
  if (form === 'jdbc') return jdbcConnectionUrl(parts);
  const url = parts.url.replace(/^postgres(?:ql)?:/, `postgresql+${form}:`);
  if (form !== 'asyncpg') return url; // psycopg and psycopg2 hand the parameters to libpq as they are
  // SQLAlchemy passes every query parameter to asyncpg.connect() as a keyword: asyncpg calls
  // libpq's sslmode `ssl`, and reads the certificate files from PGSSLROOTCERT & co., which devup sets.
  const parsed = new URL(url);
  const mode = parsed.searchParams.get('sslmode');
  parsed.searchParams.delete('sslmode');
  for (const key of CERTIFICATE_PARAMS) parsed.searchParams.delete(key);
  if (mode !== null) parsed.searchParams.set('ssl', mode);
  return parsed.toString();
}

/** `jdbc:postgresql://host:port/db?user=…&password=…`: pgjdbc reads the credentials from the URL only. */
function jdbcConnectionUrl(parts: ConnectionParts): string {
  const host = parts.host.includes(':') && !parts.host.startsWith('[') ? `[${parts.host}]` : parts.host;
  const query = new URLSearchParams({ user: parts.user, password: parts.password });
  // pgjdbc takes libpq's sslmode values and certificate parameters.
  for (const [key, value] of new URL(parts.url).searchParams) {
    if (key === 'sslmode' || CERTIFICATE_PARAMS.includes(key)) query.set(key, value);
  }
  return `jdbc:postgresql://${host}:${parts.port}/${encodeURIComponent(parts.database)}?${query}`;
}

/** `{url}`, `{url:FORM}` for each form, `{host}` `{port}` `{user}` `{password}` `{database}`. */
export function connectionPlaceholders(parts: ConnectionParts): PlaceholderValues {
  const values: PlaceholderValues = {
    url: parts.url,
    host: parts.host,
    port: parts.port,
    user: parts.user,
    password: parts.password,
    database: parts.database,
  };
  for (const form of URL_FORMS) values[`url:${form}`] = driverUrl(parts, form);
  return values;
}
