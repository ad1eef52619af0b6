import type { ToolAdapter } from './tool-adapter.js';
import { jdbcUrl } from './tool-env.js';

/** Changelogs can include each other in many formats: only the tool understands them, so fingerprint. */
export const liquibase: ToolAdapter = {
  tool: 'liquibase',
  migrationsDir: (settings) => settings.dir ?? settings.cwd,
  recursive: true,
  includes: () => true,
  history: {
    table: 'databasechangelog',
    columns: 'id::text as id, author::text as author, filename::text as filename, md5sum::text as md5sum',
    orderBy: 'orderexecuted, id, author, filename',
    fingerprinted: true,
  },
  program: () => ['liquibase'],
  // The run's contexts pass through: changesets with `context:` run only in the ones named.
  upgradeArgs: ({ contexts }) => ['update', `--contexts=${contexts.join(',')}`],
  upgradeSuffixes: [['update']],
  env: ({ host, port, database, ssl, user, password, schema }) => ({
    LIQUIBASE_COMMAND_URL: jdbcUrl(host, port, database, ssl),
    LIQUIBASE_COMMAND_USERNAME: user,
    LIQUIBASE_COMMAND_PASSWORD: password,
    LIQUIBASE_COMMAND_DEFAULT_SCHEMA_NAME: schema,
  }),
  install:
    'Install the Liquibase command line (https://docs.liquibase.com/start/install/home.html), or set migrations.command.',
};
