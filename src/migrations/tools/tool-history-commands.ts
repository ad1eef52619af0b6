import type { MigrationTool } from '../../config/schema.js';

/**
 * What to run instead of `devup migrate baseline` / `devup migrate repair` for a service whose
 * tool keeps its own history: devup never writes another tool's history table.
 */
const OWN_COMMANDS: Record<MigrationTool, { baseline: string; repair: string }> = {
  alembic: {
    baseline: '`alembic stamp <revision>`',
    repair: '`alembic stamp <revision>` to set what counts as applied (Alembic records no checksums or failed runs)',
  },
  dbmate: {
    baseline: 'an insert of the versions into its `schema_migrations` table (dbmate has no baseline command)',
    repair: 'an edit of its `schema_migrations` table (dbmate records no checksums or failed runs)',
  },
  flyway: { baseline: '`flyway baseline -baselineVersion=<version>`', repair: '`flyway repair`' },
  liquibase: { baseline: '`liquibase changelog-sync`', repair: '`liquibase clear-checksums`' },
  'node-pg-migrate': {
    baseline: '`node-pg-migrate up <N> --fake`',
    repair: 'an edit of its `pgmigrations` table (node-pg-migrate records no checksums or failed runs)',
  },
  prisma: {
    baseline: '`prisma migrate resolve --applied <migration>`',
    repair: '`prisma migrate resolve --rolled-back <migration>`',
  },
  command: { baseline: 'the tool your `command` runs', repair: 'the tool your `command` runs' },
};

/** One sentence per tool service: devup leaves its history alone, and what to run instead. */
export function describeOwnHistory(service: string, tool: MigrationTool, command: 'baseline' | 'repair'): string {
  const name = tool === 'command' ? 'its own command' : tool;
  return `${service} is migrated by ${name}, which keeps its own history: devup migrate ${command} leaves it alone; use ${OWN_COMMANDS[tool][command]} instead.`;
}
