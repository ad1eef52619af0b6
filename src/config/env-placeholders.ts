/**
 * Placeholders in the `env` values of a service and of its migrations, expanded per target:
 * `SQLALCHEMY_DATABASE_URL: '{url:psycopg2}'`, `ALEMBIC_SCHEMA: '{schema}'`,
 * `AUTHZ_SERVICE_URL: '{service.authz.url}'`. `{{` and `}}` are literal braces.
 *
 * A name is one word (`schema`), a word with a form after a colon (`url:asyncpg`), or dotted words
 * naming something of the project (`service.NAME.PART`): one grammar, so each family added
 * (another kind of resource, say `infra.NAME.url`) is one more entry in FAMILIES.
 */
import { URL_FORMS } from './driver-urls.js';

/** The database connection (the target's database) and the target itself. */
export const SIMPLE_PLACEHOLDERS = [
  'url',
  'host',
  'port',
  'user',
  'password',
  'database',
  'schema',
  'tenant',
  'service',
] as const;
export const SERVICE_PARTS = ['url', 'host', 'port'] as const;

/** Every name a value may use, to its value. */
export type PlaceholderValues = Record<string, string>;

/** `{service.NAME.PART}`: checked against the services once they are all known. */
export interface ServiceReference {
  service: string;
  part: (typeof SERVICE_PARTS)[number];
}

/** What a dotted family makes of `family.NAME.PART`: a reference, or why the name is wrong. */
type FamilyParser = (rest: string[], whole: string) => { reference?: ServiceReference; problem?: string };

const FAMILIES: Record<string, FamilyParser> = {
  service: (rest, whole) => {
    const [service, part, ...extra] = rest;
    if (!service || !part || extra.length > 0 || !(SERVICE_PARTS as readonly string[]).includes(part)) {
      return { problem: `{${whole}}: write {service.NAME.${SERVICE_PARTS.join('|')}}` };
    }
    return { reference: { service, part: part as ServiceReference['part'] } };
  },
};

const TOKEN = /\{\{|\}\}|\{([^{}]*)\}/g;

/** Names between single braces, in order (with repeats). */
export function placeholderNames(value: string): string[] {
  const names: string[] = [];
  for (const match of value.matchAll(TOKEN)) if (match[1] !== undefined) names.push(match[1]);
  return names;
}

/** What every problem message offers as the way out. */
export function knownPlaceholders(): string {
  const simple = SIMPLE_PLACEHOLDERS.map((p) => `{${p}}`);
  return [
    ...simple.slice(0, 1),
    `{url:${URL_FORMS.join('|')}}`,
    ...simple.slice(1),
    `{service.NAME.${SERVICE_PARTS.join('|')}}`,
  ].join(', ');
}

/**
 * Reads one placeholder name: a problem (a sentence naming it) when devup does not know it, a
 * service reference when it names another service (whose existence is checked later).
 */
export function parsePlaceholder(name: string): { problem?: string; reference?: ServiceReference } {
  if ((SIMPLE_PLACEHOLDERS as readonly string[]).includes(name)) return {};
  const colon = name.indexOf(':');
  if (colon >= 0 && !name.includes('.')) {
    const [base, form] = [name.slice(0, colon), name.slice(colon + 1)];
    if (base === 'url' && (URL_FORMS as readonly string[]).includes(form)) return {};
    if (base === 'url')
      return { problem: `unknown URL form {${name}}: use ${URL_FORMS.map((f) => `{url:${f}}`).join(', ')}` };
  }
  const [family, ...rest] = name.split('.');
  const parser = rest.length > 0 && family !== undefined ? FAMILIES[family] : undefined;
  if (parser) return parser(rest, name);
  return { problem: `unknown placeholder {${name}}: use ${knownPlaceholders()} (or {{ }} for literal braces)` };
}

/** Whether a value uses any of the given placeholders. */
export function usesPlaceholder(value: string, names: readonly string[]): boolean {
  return placeholderNames(value).some((name) => names.includes(name));
}

/** The references to other services in a value (`{service.auth.url}`). */
export function serviceReferences(value: string): ServiceReference[] {
  return placeholderNames(value).flatMap((name) => parsePlaceholder(name).reference ?? []);
}

export function expandPlaceholders(value: string, values: PlaceholderValues): string {
  if (!value.includes('{') && !value.includes('}')) return value;
  return value.replace(TOKEN, (token, name: string | undefined) => {
    if (name === undefined) return token[0] as string;
    return values[name] ?? token;
  });
}

export function expandEnv(env: Record<string, string>, values: PlaceholderValues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) out[key] = expandPlaceholders(value, values);
  return out;
}
