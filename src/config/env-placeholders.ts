/**
 * Placeholders in the `env` values of a service and of its migrations, expanded per target:
 * `SQLALCHEMY_DATABASE_URL: '{url:psycopg2}'`, `ALEMBIC_SCHEMA: '{schema}'`,
 * `AUTHZ_SERVICE_URL: '{service.authz.url}'`. `{{` and `}}` are literal braces.
 *
 * A name is one word (`schema`), a word with a form after a colon (`url:asyncpg`), or dotted words
 * naming something of the project (`service.NAME.PART`, `infra.NAME.PART`): one grammar, each
 * family one entry in FAMILIES.
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
export const INFRA_PARTS = ['url', 'host', 'port', 'user', 'password'] as const;

/** Every name a value may use, to its value. */
export type PlaceholderValues = Record<string, string>;

/** `{service.NAME.PART}`: checked against the services once they are all known. */
export interface ServiceReference {
  service: string;
  part: (typeof SERVICE_PARTS)[number];
}

/** `{infra.NAME.PART}`: checked against the config's infra entries once they are all known. */
export interface InfraReference {
  infra: string;
  part: (typeof INFRA_PARTS)[number];
}

/** What one placeholder name is: nothing more to check, a reference to check later, or a problem. */
export interface ParsedPlaceholder {
  problem?: string;
  reference?: ServiceReference;
  infra?: InfraReference;
}

/** What a dotted family makes of `family.NAME.PART`: a reference, or why the name is wrong. */
type FamilyParser = (rest: string[], whole: string) => ParsedPlaceholder;

/** `NAME.PART` with PART one of `parts`, or undefined. */
function namePart<P extends string>(rest: string[], parts: readonly P[]): { name: string; part: P } | undefined {
  const [name, part, ...extra] = rest;
  if (!name || !part || extra.length > 0 || !(parts as readonly string[]).includes(part)) return undefined;
  return { name, part: part as P };
}

const FAMILIES: Record<string, { form: string; parse: FamilyParser }> = {
  infra: {
    form: `{infra.NAME.${INFRA_PARTS.join('|')}}`,
    parse: (rest, whole) => {
      const found = namePart(rest, INFRA_PARTS);
      if (!found) return { problem: `{${whole}}: write {infra.NAME.${INFRA_PARTS.join('|')}}` };
      return { infra: { infra: found.name, part: found.part } };
    },
  },
  service: {
    form: `{service.NAME.${SERVICE_PARTS.join('|')}}`,
    parse: (rest, whole) => {
      const found = namePart(rest, SERVICE_PARTS);
      if (!found) return { problem: `{${whole}}: write {service.NAME.${SERVICE_PARTS.join('|')}}` };
      return { reference: { service: found.name, part: found.part } };
    },
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
    ...Object.values(FAMILIES).map((family) => family.form),
  ].join(', ');
}

/**
 * Reads one placeholder name: a problem (a sentence naming it) when devup does not know it, a
 * reference when it names another service or an infra entry (whose existence is checked later).
 */
export function parsePlaceholder(name: string): ParsedPlaceholder {
  if ((SIMPLE_PLACEHOLDERS as readonly string[]).includes(name)) return {};
  const colon = name.indexOf(':');
  if (colon >= 0 && !name.includes('.')) {
    const [base, form] = [name.slice(0, colon), name.slice(colon + 1)];
    if (base === 'url' && (URL_FORMS as readonly string[]).includes(form)) return {};
    if (base === 'url')
      return { problem: `unknown URL form {${name}}: use ${URL_FORMS.map((f) => `{url:${f}}`).join(', ')}` };
  }
  const [family, ...rest] = name.split('.');
  // Own keys only: `{constructor.x.y}` is no family.
  const parser =
    rest.length > 0 && family !== undefined && Object.hasOwn(FAMILIES, family) ? FAMILIES[family] : undefined;
  if (parser) return parser.parse(rest, name);
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

/** The infra entries a value refers to (`{infra.cache.url}`). */
export function infraReferences(value: string): InfraReference[] {
  return placeholderNames(value).flatMap((name) => parsePlaceholder(name).infra ?? []);
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
