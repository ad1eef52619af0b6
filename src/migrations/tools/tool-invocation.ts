import { existsSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { readServiceEnvFile } from '../../config/env-file.js';
import type { CommandSpec, ResolvedConfig, ServiceSettings } from '../../config/types.js';
import { type ConnectionInfo, isMissingDatabase, withClient } from '../../database/connection/connection.js';
import { InterruptedError, UserError } from '../../errors.js';
import { maskSecret } from '../../lib/secret-mask.js';
import { describeHolder, withAdvisoryLock } from '../lock.js';
import type { TargetBase } from '../targets.js';
import { toolAdapter } from './adapters.js';
import type { HistorySpec, ToolAdapter, ToolCommandContext, ToolSettings } from './tool-adapter.js';
import { buildToolEnv, findProgram, secretsOf, toolSearchDirs } from './tool-env.js';
import { readToolFiles, type ToolFiles } from './tool-files.js';
import { readTargetState, type TargetState } from './tool-history.js';
import { commandProgram, describeCommand, spawnTool, type ToolProcessResult } from './tool-process.js';

export function toolSettings(service: ServiceSettings): ToolSettings {
  const settings = service.migrations;
  if (settings?.kind !== 'tool') throw new Error(`services.${service.name} has no migration tool`);
  return settings;
}

/** What a tool's environment is built from: the project root, every service (their URLs), the timeouts and contexts. */
export type ToolInvocationSettings = Pick<ResolvedConfig, 'root' | 'services' | 'migrations'>;

/** Everything needed to start a service's tool for one target, whatever the subcommand. */
export interface ToolInvocation {
  adapter: ToolAdapter;
  settings: ToolSettings;
  /** The service's own directory (its virtualenv is searched too). */
  serviceCwd: string;
  context: ToolCommandContext;
  /** The same environment for every subcommand: the one the upgrade runs with. */
  env: Record<string, string>;
  secrets: string[];
  mask(text: string): string;
}

export async function prepareToolInvocation(
  config: ToolInvocationSettings,
  service: ServiceSettings,
  target: TargetBase,
  admin: ConnectionInfo,
): Promise<ToolInvocation> {
  const settings = toolSettings(service);
  const adapter = toolAdapter(settings.tool);
  const migrationsDir = adapter.migrationsDir(settings);
  if (!existsSync(settings.cwd)) {
    throw new UserError(`services.${target.service}.migrations.cwd does not exist: ${settings.cwd}`, {
      hint: `Create the directory, or point services.${target.service}.migrations.cwd at the one that holds the tool's files.`,
    });
  }
  const secrets = secretsOf(admin.password);
  const env = buildToolEnv({
    tool: adapter.tool,
    target,
    admin,
    migrationsDir,
    dirIsExplicit: settings.dir !== undefined,
    cwd: settings.cwd,
    serviceCwd: service.cwd,
    root: config.root,
    serviceEnv: service.env,
    serviceEnvFile: await readServiceEnvFile(service),
    migrationEnv: settings.env,
    baseEnv: process.env,
    services: config.services,
    toolEnv: adapter.env,
    timeouts: config.migrations,
  });
  return {
    adapter,
    settings,
    serviceCwd: service.cwd,
    context: {
      schema: target.schema,
      migrationsDir,
      cwd: settings.cwd,
      root: config.root,
      contexts: config.migrations.contexts,
    },
    env,
    secrets,
    mask: (text) => secrets.reduce((acc, secret) => maskSecret(acc, secret), text),
  };
}

/** What a tool runs for: one tenant, or the service alone (`devup new migration`). */
export type ToolSubject = TargetBase | { service: string; tenant?: undefined };

export function describeTarget(target: ToolSubject): string {
  if (target.tenant === undefined) return target.service;
  return `${target.service} (tenant ${target.tenant}, schema ${target.schema}${target.database ? `, database ${target.database}` : ''})`;
}

/** How to get the runner a migrations.command starts the tool through (uv run alembic …). */
const RUNNERS: Record<string, string> = {
  uv: 'uv is not installed: install it (pipx install uv, or the installer from docs.astral.sh/uv), then `uv sync` in the service',
  poetry: 'Poetry is not installed: install it (pipx install poetry), then `poetry install` in the service',
  pipenv: 'Pipenv is not installed: install it (pipx install pipenv), then `pipenv install` in the service',
  pdm: 'PDM is not installed: install it (pipx install pdm), then `pdm install` in the service',
};

/**
 * The way out when a program is missing: the tool's own install line when it is the tool, the
 * runner's when migrations.command goes through one (uv, poetry), else the command to check.
 */
function missingProgramHint(program: string, adapter: ToolAdapter): string {
  const name = path.basename(program);
  const runner = RUNNERS[name];
  const direct = `or set migrations.command to the tool in the service's virtualenv (e.g. [".venv/bin/${adapter.tool}", …]).`;
  if (runner) return `${runner}; ${direct}`;
  // The tool itself, or the interpreter it runs in (python -m alembic, node …): the tool's own install line.
  if (name === adapter.tool || /^(python[0-9.]*|node)$/.test(name)) return adapter.install;
  return `${program} is what migrations.command starts: install it, or change migrations.command.`;
}

/** A failed tool run as a message a person can act on: command, cwd, target and the tool's last lines. */
export function toolFailure(
  invocation: Pick<ToolInvocation, 'adapter' | 'settings' | 'serviceCwd' | 'mask'>,
  target: ToolSubject,
  command: CommandSpec,
  result: ToolProcessResult,
  root: string,
  retry = `devup migrate again (--service ${target.service} --tenant ${target.tenant} retries only this target)`,
): UserError {
  const { adapter, settings, serviceCwd, mask } = invocation;
  const shown = mask(describeCommand(command));
  const output = result.tail.map((line) => `  ${line}`);
  if (result.notFound) {
    // Through a shell, the shell names the missing program ("sh: 1: alembic: not found").
    const program =
      result.tail.map((line) => /:\s*([^\s:]+): (?:command )?not found\s*$/.exec(line)?.[1]).find(Boolean) ??
      commandProgram(command);
    return new UserError(`${program} not found: cannot run ${adapter.tool} for ${describeTarget(target)}`, {
      hint: `${missingProgramHint(program, adapter)} devup looked in ${toolSearchDirs({ cwd: settings.cwd, serviceCwd, root }).join(', ')}, then the PATH.`,
      details: [`$ ${shown}    (in ${settings.cwd})`, ...output],
    });
  }
  const how =
    result.exitCode === undefined ? `did not finish (${result.message})` : `exited with code ${result.exitCode}`;
  return new UserError(`${adapter.tool} failed for ${describeTarget(target)}: ${how}`, {
    hint: `The lines shown are the end of ${adapter.tool}'s output. Fix the cause, then run ${retry}.`,
    details: [`$ ${shown}    (in ${settings.cwd})`, ...output],
  });
}

/**
 * Runs one of the tool's subcommands for a target; throws the failure as a UserError. Output
 * lines go to `onOutput` (stderr's to `onStderr` when given, e.g. to keep SQL apart from logs).
 */
export async function runToolCommand(
  invocation: Pick<ToolInvocation, 'adapter' | 'settings' | 'serviceCwd' | 'env' | 'secrets' | 'mask'>,
  target: ToolSubject,
  command: CommandSpec,
  options: {
    root: string;
    onOutput: (line: string) => void;
    onStderr?: ((line: string) => void) | undefined;
    /** devup's own line (which program runs, where); onOutput when not given. */
    onNote?: ((line: string) => void) | undefined;
    signal?: AbortSignal | undefined;
    retry?: string;
  },
): Promise<void> {
  // Shown with --verbose: which of the candidate programs (a .venv's, node_modules', the PATH's) runs.
  const program = commandProgram(command);
  const found = findProgram(program, invocation.env.PATH ?? '', invocation.settings.cwd);
  (options.onNote ?? options.onOutput)(
    `devup: running ${found ?? `${program} (not found on the tool's PATH)`} in ${invocation.settings.cwd}`,
  );
  const result = await spawnTool(command, {
    cwd: invocation.settings.cwd,
    env: invocation.env,
    onLine: options.onOutput,
    onStderr: options.onStderr,
    signal: options.signal,
    secrets: invocation.secrets,
  });
  if (result.canceled) throw new InterruptedError();
  if (result.failed) throw toolFailure(invocation, target, command, result, options.root, options.retry);
}

/** The target's state: on the open client for the main database, else on a short-lived one. */
export async function readStateFor(
  target: TargetBase,
  admin: ConnectionInfo,
  client: pg.Client,
  history: HistorySpec | undefined,
): Promise<TargetState> {
  if (target.database === undefined) return readTargetState(client, target.schema, history);
  try {
    return await withClient(admin, (c) => readTargetState(c, target.schema, history), { database: target.database });
  } catch (error) {
    // The service's database is created before any tool runs; until then nothing is applied.
    if (isMissingDatabase(error)) return { identity: '', rows: undefined };
    throw error;
  }
}

/** What devup reads of a tool target without starting the tool: the tool's files and its history table. */
export async function readToolTarget(
  stateDir: string,
  service: ServiceSettings,
  target: TargetBase,
  database: { admin: ConnectionInfo; client: pg.Client },
): Promise<{ adapter: ToolAdapter; files: ToolFiles; state: TargetState }> {
  const settings = toolSettings(service);
  const adapter = toolAdapter(settings.tool);
  const files = readToolFiles(adapter, settings, stateDir);
  const state = await readStateFor(target, database.admin, database.client, adapter.history);
  return { adapter, files, state };
}

/**
 * Runs `fn` holding the lock devup's own engine takes for this schema: a second devup waits
 * instead of running a tool on the same schema at the same time.
 */
export async function withTargetLock<T>(
  admin: ConnectionInfo,
  target: TargetBase,
  fn: (client: pg.Client) => Promise<T>,
  options: { onOutput: (line: string) => void; signal?: AbortSignal | undefined },
): Promise<T> {
  return withClient(
    admin,
    async (client) => {
      if (options.signal?.aborted) throw new InterruptedError();
      try {
        return await withAdvisoryLock(client, target.schema, () => fn(client), {
          onWait: (holder) =>
            options.onOutput(
              `devup: waiting for ${holder ? describeHolder(holder) : 'another session'} to finish migrating ${target.schema}`,
            ),
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (error) {
        if (options.signal?.aborted && !(error instanceof UserError)) throw new InterruptedError();
        throw error;
      }
    },
    target.database ? { database: target.database } : {},
  );
}
