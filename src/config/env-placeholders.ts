/**
 * Placeholders in the `env` values of a service and of its migrations, expanded per target:
 * `SQLALCHEMY_DATABASE_URL: '{url}'`, `ALEMBIC_SCHEMA: '{schema}'`. `{{` and `}}` are literal braces.
 */
export const ENV_PLACEHOLDERS = ['url', 'schema', 'tenant', 'database', 'service'] as const;
export type EnvPlaceholder = (typeof ENV_PLACEHOLDERS)[number];
export type PlaceholderValues = Record<EnvPlaceholder, string> & {
  /** `{infra.NAME.FIELD}`: the running infra's connection values, keyed `infra.NAME.FIELD`. */
  infra?: Readonly<Record<string, string>>;
};

/** `{infra.cache.url}`: what an infra entry exposes (its name is checked against the config elsewhere). */
const INFRA_TOKEN = /^infra\.([a-z][a-z0-9_-]*)\.(url|host|port|user|password)$/;

/** The `{infra.NAME.FIELD}` placeholders in a value. */
export function infraPlaceholders(value: string): { name: string; field: string }[] {
  const found: { name: string; field: string }[] = [];
  for (const match of value.matchAll(TOKEN)) {
    const parts = match[1] === undefined ? null : INFRA_TOKEN.exec(match[1]);
    if (parts) found.push({ name: parts[1] as string, field: parts[2] as string });
  }
  return found;
}

const TOKEN = /\{\{|\}\}|\{([^{}]*)\}/g;

/** Names between single braces that are not placeholders devup knows. */
export function unknownPlaceholders(value: string): string[] {
  const unknown: string[] = [];
  for (const match of value.matchAll(TOKEN)) {
    const name = match[1];
    if (name === undefined || (ENV_PLACEHOLDERS as readonly string[]).includes(name) || INFRA_TOKEN.test(name))
      continue;
    unknown.push(name);
  }
  return unknown;
}

/** Whether a value uses any of the given placeholders. */
export function usesPlaceholder(value: string, names: readonly EnvPlaceholder[]): boolean {
  for (const match of value.matchAll(TOKEN)) {
    if (match[1] !== undefined && (names as readonly string[]).includes(match[1])) return true;
  }
  return false;
}

export function expandPlaceholders(value: string, values: PlaceholderValues): string {
  if (!value.includes('{') && !value.includes('}')) return value;
  return value.replace(TOKEN, (token, name: string | undefined) => {
    if (name === undefined) return token[0] as string;
    if (name.startsWith('infra.')) return values.infra?.[name] ?? token;
    return values[name as EnvPlaceholder] ?? token;
  });
}

export function expandEnv(env: Record<string, string>, values: PlaceholderValues): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) out[key] = expandPlaceholders(value, values);
  return out;
}
