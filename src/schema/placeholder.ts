/** The placeholder that stands for the tenant schema, as in devup's migrations. */
export const SCHEMA_PLACEHOLDER = '${schema}';

const IDENTIFIER_CHAR = '[A-Za-z0-9_$"]';

/**
 * Replaces the tenant schema's name where it qualifies a name (`auth_acme.users`,
 * `"auth_acme".users`, `'auth_acme.users_id_seq'::regclass`), so one file serves every tenant.
 * Only a qualifier is replaced: a column that happens to share the schema's name stays.
 */
export function neutraliseSchema(text: string, schema: string): string {
  if (!text.includes(schema)) return text;
  const escaped = schema.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`(?<!${IDENTIFIER_CHAR})(?:"${escaped}"|${escaped})(?=\\.)`, 'g');
  return text.replace(pattern, () => SCHEMA_PLACEHOLDER);
}

/** For reading: names in the schema itself without their `${schema}.` qualifier. */
export function unqualified(text: string): string {
  return text.replaceAll(`${SCHEMA_PLACEHOLDER}.`, '');
}
