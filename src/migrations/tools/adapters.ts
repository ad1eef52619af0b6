import type { MigrationTool } from '../../config/schema.js';
import { alembic } from './alembic.js';
import { commandTool } from './command-tool.js';
import { dbmate } from './dbmate.js';
import { flyway } from './flyway.js';
import { liquibase } from './liquibase.js';
import { nodePgMigrate } from './node-pg-migrate.js';
import { prisma } from './prisma.js';
import type { ToolAdapter } from './tool-adapter.js';

const ADAPTERS: Record<MigrationTool, ToolAdapter> = {
  alembic,
  dbmate,
  flyway,
  liquibase,
  'node-pg-migrate': nodePgMigrate,
  prisma,
  command: commandTool,
};

export function toolAdapter(tool: MigrationTool): ToolAdapter {
  return ADAPTERS[tool];
}
