import { describe, expect, it } from 'vitest';
import { MIGRATION_TOOLS } from '../../../src/config/schema.js';
import { toolAdapter } from '../../../src/migrations/tools/adapters.js';
import { neutraliseSchema } from '../../../src/schema/placeholder.js';
import { BOOKKEEPING_TABLES, isServiceExcluded } from '../../../src/schema/schema-docs.js';

describe('bookkeeping tables', () => {
  it("include every external tool's history table", () => {
    const tables = MIGRATION_TOOLS.flatMap((tool) => toolAdapter(tool).history?.table ?? []);
    // Every tool but the generic command keeps a history table of its own.
    expect(tables).toHaveLength(MIGRATION_TOOLS.length - 1);
    for (const table of tables) expect(BOOKKEEPING_TABLES).toContain(table);
  });
});

describe('neutraliseSchema', () => {
  it('replaces the schema where it qualifies a name, quoted or not, also inside a literal', () => {
    expect(neutraliseSchema("nextval('auth_acme.users_id_seq'::regclass)", 'auth_acme')).toBe(
      "nextval('${schema}.users_id_seq'::regclass)",
    );
    expect(neutraliseSchema('REFERENCES "user".accounts(id)', 'user')).toBe('REFERENCES ${schema}.accounts(id)');
  });

  it('leaves a column or a longer name that merely contains the schema name', () => {
    expect(neutraliseSchema('select auth, x.auth_acme_id from my_auth.t', 'auth')).toBe(
      'select auth, x.auth_acme_id from my_auth.t',
    );
  });
});

describe('schema.exclude', () => {
  it('leaves out a service by name or pattern, not when an entry names tables', () => {
    expect(isServiceExcluded('workflow', ['workflow'])).toBe(true);
    expect(isServiceExcluded('legacy-billing', ['legacy-*'])).toBe(true);
    expect(isServiceExcluded('auth', ['auth.audit_*'])).toBe(false);
  });
});
