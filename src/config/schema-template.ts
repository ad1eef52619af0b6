/** Tenant and schema names: what `migrations.tenants` and `migrations.schema` may produce. */
export const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
/** Schemas that belong to Postgres itself. */
const RESERVED_SCHEMA = /^(information_schema|pg_.*)$/;

/** devup's own schema in each project database (what `database.init` ran): no migration's. */
export const DEVUP_SCHEMA = '_devup';

/** A schema name for a target, from a template such as `auth_{tenant}`. */
export function renderSchemaName(template: string, service: string, tenant: string): string {
  return template.replaceAll('{service}', service.replaceAll('-', '_')).replaceAll('{tenant}', tenant);
}

/** Problems with a schema-name template, or with the schema names it produces. */
export function checkSchemaTemplate(template: string, service: string, tenants: readonly string[]): string[] {
  const problems: string[] = [];
  const leftover = template.replaceAll('{service}', '').replaceAll('{tenant}', '');
  if (/[{}]/.test(leftover)) {
    problems.push(`unknown placeholder in "${template}"; use {service} and {tenant}`);
    return problems;
  }
  if (tenants.length > 1 && !template.includes('{tenant}')) {
    problems.push(`"${template}" has no {tenant}, so every tenant would share one schema; add {tenant}`);
  }
  for (const tenant of tenants) {
    const name = renderSchemaName(template, service, tenant);
    if (RESERVED_SCHEMA.test(name)) {
      problems.push(`"${name}" is reserved: information_schema and pg_* belong to Postgres`);
    } else if (name === DEVUP_SCHEMA) {
      problems.push(`"${name}" is reserved: devup keeps its own records of the database there`);
    } else if (!IDENTIFIER.test(name) || name.length > 63) {
      problems.push(
        `"${name}" (tenant "${tenant}") is not a valid schema name: use lower-case letters, digits and _, at most 63 characters`,
      );
    }
  }
  return problems;
}
