/** External migration tools devup knows how to drive (issue: "external tools"). */
export const MIGRATION_TOOLS = [
  'alembic',
  'liquibase',
  'flyway',
  'prisma',
  'dbmate',
  'node-pg-migrate',
  'command',
] as const;
export type MigrationTool = (typeof MIGRATION_TOOLS)[number];

export const ENGINES = ['auto', 'docker', 'embedded', 'external'] as const;
export type EngineName = (typeof ENGINES)[number];
