import type { ToolAdapter } from './tool-adapter.js';

/** Any command: no history table devup knows, so the fingerprint of its directory decides. */
export const commandTool: ToolAdapter = {
  tool: 'command',
  migrationsDir: (settings) => settings.dir ?? settings.cwd,
  recursive: true,
  includes: () => true,
  history: undefined,
  program: () => [],
  upgradeArgs: () => [],
  upgradeSuffixes: [],
  install: 'Check migrations.command: the program it starts must be installed and on the PATH.',
};
