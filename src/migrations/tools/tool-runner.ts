import { existsSync } from 'node:fs';
import type pg from 'pg';
import { readServiceEnvFile } from '../../config/env-file.js';
import type { CommandSpec, ResolvedConfig, ServiceSettings } from '../../config/types.js';
import { type ConnectionInfo, maskSecret, withClient } from '../../database/connection.js';
import { InterruptedError, UserError } from '../../errors.js';
import { quoteIdent } from '../history.js';
import { describeHolder, withAdvisoryLock } from '../lock.js';
import type { TargetBase } from '../targets.js';
import { fingerprintKey, forgetFingerprint, readFingerprint, recordFingerprint } from './fingerprint-store.js';
import type { HistorySpec, ToolAdapter, ToolSettings } from './tool-adapter.js';
import { toolAdapter } from './tool-adapters.js';
import { appliedBetween, currentFingerprint, decideToolCheck, historyStatus, type ToolCheck } from './tool-check.js';
import { buildToolEnv, findProgram, secretsOf, toolSearchDirs } from './tool-env.js';
import { readToolFiles } from './tool-files.js';
import { readTargetState, type TargetState } from './tool-history.js';
import { commandProgram, describeCommand, spawnTool, type ToolProcessResult } from './tool-process.js';

export type { ToolCheck } from './tool-check.js';

function toolSettings(service: ServiceSettings): ToolSettings {
  const settings = service.migrations;
  if (settings?.kind !== 'tool') throw new Error(`services.${service.name} has no migration tool`);
  return settings;
}

function isMissingDatabase(error: unknown): boolean {
  return (error as { cause?: { code?: string } }).cause?.code === '3D000';
}

/** The target's state: on the open client for the main database, else on a short-lived one. */
async function readStateFor(
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

/** Decides without spawning the tool whether it has anything to do for this target. */
export async function checkToolTarget(
  config: ResolvedConfig,
  service: ServiceSettings,
  target: TargetBase,
  admin: ConnectionInfo,
  client: pg.Client,
): Promise<ToolCheck> {
  const settings = toolSettings(service);
  const adapter = toolAdapter(settings.tool);
  const files = readToolFiles(adapter, settings, config.stateDir);
  const state = await readStateFor(target, admin, client, adapter.history);
  return decideToolCheck(adapter, files, state, readFingerprint(config.stateDir, fingerprintKey(target)));
}

function toolCommand(
  adapter: ToolAdapter,
  settings: ToolSettings,
  target: TargetBase,
  root: string,
  migrationsDir: string,
): CommandSpec {
  if (settings.command) return settings.command;
  const argv = adapter.defaultCommand({ schema: target.schema, migrationsDir, cwd: settings.cwd, root });
  if (argv.length === 0) {
    throw new UserError(`services.${target.service}.migrations: tool "${adapter.tool}" needs a command`, {
      hint: 'Set migrations.command to the program that applies the migrations, e.g. "./scripts/migrate.sh".',
    });
  }
  return { argv };
}

function where(target: TargetBase): string {
  return `${target.service} (tenant ${target.tenant}, schema ${target.schema}${target.database ? `, database ${target.database}` : ''})`;
}

function toolFailure(
  adapter: ToolAdapter,
  target: TargetBase,
  command: CommandSpec,
  service: ServiceSettings,
  settings: ToolSettings,
  config: ResolvedConfig,
  result: ToolProcessResult,
  mask: (text: string) => string,
): UserError {
  const shown = mask(describeCommand(command));
  const output = result.tail.map((line) => `  ${line}`);
  if (result.notFound) {
    // Through a shell, the shell names the missing program ("sh: 1: alembic: not found").
    const program =
      result.tail.map((line) => /:\s*([^\s:]+): (?:command )?not found\s*$/.exec(line)?.[1]).find(Boolean) ??
      commandProgram(command);
    return new UserError(`${program} not found: cannot run ${adapter.tool} for ${where(target)}`, {
      hint: `${adapter.install} devup looked in ${toolSearchDirs({ cwd: settings.cwd, serviceCwd: service.cwd, root: config.root }).join(', ')}, then the PATH.`,
      details: [`$ ${shown}`, ...output],
    });
  }
  const how =
    result.exitCode === undefined ? `did not finish (${result.message})` : `exited with code ${result.exitCode}`;
  return new UserError(`${adapter.tool} failed for ${where(target)}: ${how}`, {
    hint: `The lines shown are the end of ${adapter.tool}'s output. Fix the cause, then run devup migrate again (--service ${target.service} --tenant ${target.tenant} retries only this target).`,
    details: [`$ ${shown}    (in ${settings.cwd})`, ...output],
  });
}

async function createSchema(client: pg.Client, schema: string): Promise<void> {
  try {
    await client.query(`create schema if not exists ${quoteIdent(schema)}`);
  } catch (error) {
    // Another process created it between the check and the create.
    const code = (error as { code?: string }).code;
    if (code !== '23505' && code !== '42P06') throw error;
  }
}

/** Runs the tool once for this target; returns the ids it applied where known. */
export async function runToolTarget(
  config: ResolvedConfig,
  service: ServiceSettings,
  target: TargetBase,
  admin: ConnectionInfo,
  options: { onOutput: (line: string) => void; signal?: AbortSignal },
): Promise<string[]> {
  const settings = toolSettings(service);
  const adapter = toolAdapter(settings.tool);
  const key = fingerprintKey(target);
  const migrationsDir = adapter.migrationsDir(settings);
  const command = toolCommand(adapter, settings, target, config.root, migrationsDir);
  if (!existsSync(settings.cwd)) {
    throw new UserError(`services.${target.service}.migrations.cwd does not exist: ${settings.cwd}`);
  }
  const secrets = secretsOf(admin.password);
  const mask = (text: string) => secrets.reduce((acc, secret) => maskSecret(acc, secret), text);
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
    toolEnv: adapter.env,
    timeouts: config.migrations,
  });

  const migrate = async (client: pg.Client): Promise<string[]> => {
    // Most tools expect their schema to exist; devup owns the schema, the tool its tables.
    await createSchema(client, target.schema);
    const before = historyStatus(
      adapter,
      readToolFiles(adapter, settings, config.stateDir),
      await readTargetState(client, target.schema, adapter.history),
    );
    // Shown with --verbose: which of the candidate programs (a .venv's, node_modules', the PATH's) runs.
    const program = commandProgram(command);
    const found = findProgram(program, env.PATH ?? '', settings.cwd);
    options.onOutput(`devup: running ${found ?? `${program} (not found on the tool's PATH)`} in ${settings.cwd}`);
    const result = await spawnTool(command, {
      cwd: settings.cwd,
      env,
      onLine: options.onOutput,
      signal: options.signal,
      secrets,
    });
    if (result.canceled) {
      forgetFingerprint(config.stateDir, key);
      throw new InterruptedError();
    }
    if (result.failed) {
      forgetFingerprint(config.stateDir, key);
      throw toolFailure(adapter, target, command, service, settings, config, result, mask);
    }
    const files = readToolFiles(adapter, settings, config.stateDir);
    const state = await readTargetState(client, target.schema, adapter.history);
    recordFingerprint(config.stateDir, key, currentFingerprint(adapter, files, state));
    const after = historyStatus(adapter, files, state);
    warnIfStillPending(adapter, target, after, state, options.onOutput);
    return appliedBetween(before, after);
  };

  return withClient(
    admin,
    async (client) => {
      if (options.signal?.aborted) throw new InterruptedError();
      try {
        // The lock devup's own engine takes for this schema: a second devup waits instead of
        // running the same tool on the same schema at the same time.
        return await withAdvisoryLock(client, target.schema, () => migrate(client), {
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

/** A tool that succeeded but still looks pending to devup would run on every start: say why. */
function warnIfStillPending(
  adapter: ToolAdapter,
  target: TargetBase,
  after: ToolCheck,
  state: TargetState,
  onOutput: (line: string) => void,
): void {
  if (adapter.history && state.rows === undefined) {
    onOutput(
      `devup: ${adapter.tool} succeeded but ${target.schema}.${adapter.history.table} does not exist, so devup will run it on every start. Does the tool write its history table to another schema?`,
    );
    return;
  }
  if (!after.upToDate) {
    onOutput(
      `devup: ${adapter.tool} succeeded but devup still sees pending: ${after.pending.join(', ')} (check migrations.dir).`,
    );
  }
}
