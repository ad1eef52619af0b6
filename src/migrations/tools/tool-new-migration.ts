import { readdirSync } from 'node:fs';
import path from 'node:path';
import { readServiceEnvFile } from '../../config/env-file.js';
import { placeholderNames } from '../../config/env-placeholders.js';
import type { ResolvedConfig, ServiceSettings } from '../../config/types.js';
import { UsageError, UserError } from '../../errors.js';
import { toolAdapter } from './adapters.js';
import type { ToolAdapter, ToolCommandContext } from './tool-adapter.js';
import { toolProcessEnv } from './tool-env.js';
import { runToolCommand, toolSettings } from './tool-invocation.js';
import { toolProgram, withArgs } from './tool-program.js';

/** The tool's own command that writes a new, empty migration; undefined where it has none. */
function createArgs(adapter: ToolAdapter, name: string, context: ToolCommandContext): string[] | undefined {
  switch (adapter.tool) {
    case 'alembic':
      return ['revision', '-m', name];
    case 'dbmate':
      return ['new', name];
    case 'node-pg-migrate':
      return ['create', name, '-m', context.migrationsDir];
    default:
      return undefined;
  }
}

const NO_CREATE: Partial<Record<ToolAdapter['tool'], string>> = {
  flyway: 'Flyway has no command that creates a migration: add V<next version>__<name>.sql to its directory.',
  prisma: 'Prisma creates migrations from schema.prisma: run `prisma migrate dev --create-only --name <name>`.',
  liquibase: 'Liquibase changesets are written by hand: add one to the changelog.',
  command: 'migrations.command has no command for creating a migration: use the tool it runs.',
};

function listFiles(dir: string): Set<string> {
  try {
    return new Set(readdirSync(dir, { recursive: true, encoding: 'utf8' }));
  } catch {
    return new Set();
  }
}

/**
 * `devup new migration <service> <name>` for a tool: runs the tool's own command in the
 * service's migrations cwd (no database needed) and returns the files it wrote.
 */
export async function createToolMigration(
  config: Pick<ResolvedConfig, 'root' | 'migrations'>,
  service: ServiceSettings,
  name: string,
  onOutput: (line: string) => void,
): Promise<string[]> {
  if (name.trim() === '') throw new UsageError('the migration needs a name, e.g. add_user_bio');
  const settings = toolSettings(service);
  const adapter = toolAdapter(settings.tool);
  const migrationsDir = adapter.migrationsDir(settings);
  const context = {
    schema: '',
    migrationsDir,
    cwd: settings.cwd,
    root: config.root,
    contexts: config.migrations.contexts,
  };
  const args = createArgs(adapter, name, context);
  if (!args) {
    throw new UserError(`devup new migration cannot create ${adapter.tool} migrations (services.${service.name})`, {
      hint: NO_CREATE[adapter.tool],
    });
  }
  const program = toolProgram(adapter, settings, service.name, context);
  // No target, so no placeholder values: variables that need one are left to the upgrade.
  const env = toolProcessEnv({
    cwd: settings.cwd,
    serviceCwd: service.cwd,
    root: config.root,
    serviceEnv: Object.fromEntries(
      Object.entries(service.env).filter(([, value]) => placeholderNames(value).length === 0),
    ),
    serviceEnvFile: await readServiceEnvFile(service),
    baseEnv: process.env,
  });
  const before = listFiles(migrationsDir);
  await runToolCommand(
    { adapter, settings, serviceCwd: service.cwd, env, secrets: [], mask: (text) => text },
    { service: service.name },
    withArgs(program, args),
    { root: config.root, onOutput, retry: `devup new migration ${service.name} ${name} again` },
  );
  return [...listFiles(migrationsDir)]
    .filter((file) => !before.has(file) && !file.includes('__pycache__'))
    .map((file) => path.join(migrationsDir, file));
}
