import path from 'node:path';
import type pg from 'pg';
import type { ServiceSettings, ToolRunSettings } from '../../config/types.js';
import type { ConnectionInfo } from '../../database/connection/connection.js';
import { createSchema } from '../sql/history.js';
import type { TargetBase } from '../targets.js';
import { appliedFileHashes, appliedUnwritten } from './applied-files.js';
import { fingerprintKey, invalidateFingerprint, readFingerprint, recordFingerprint } from './fingerprint-store.js';
import type { ToolAdapter } from './tool-adapter.js';
import { appliedBetween, currentFingerprint, decideToolCheck, historyStatus, type ToolCheck } from './tool-check.js';
import { readToolFiles, type ToolFiles } from './tool-files.js';
import { readTargetState, type TargetState } from './tool-history.js';
import {
  prepareToolInvocation,
  readToolTarget,
  runToolCommand,
  type ToolInvocation,
  withTargetLock,
} from './tool-invocation.js';
import { upgradeCommand } from './tool-program.js';

export type { ToolCheck } from './tool-check.js';

/** Decides without spawning the tool whether it has anything to do for this target. */
export async function checkToolTarget(
  config: Pick<ToolRunSettings, 'stateDir' | 'migrations'>,
  service: ServiceSettings,
  target: TargetBase,
  admin: ConnectionInfo,
  client: pg.Client,
): Promise<ToolCheck> {
  const { adapter, files, state } = await readToolTarget(config.stateDir, service, target, { admin, client });
  const recorded = readFingerprint(config.stateDir, fingerprintKey(target));
  return decideToolCheck(adapter, files, state, recorded, config.migrations.contexts);
}

/** Runs the tool once for this target; returns the ids it applied where known. */
export async function runToolTarget(
  config: ToolRunSettings,
  service: ServiceSettings,
  target: TargetBase,
  admin: ConnectionInfo,
  options: { onOutput: (line: string) => void; signal?: AbortSignal; retry?: string },
): Promise<string[]> {
  const invocation = await prepareToolInvocation(config, service, target, admin);
  const { adapter, settings } = invocation;
  const key = fingerprintKey(target);
  const command = upgradeCommand(adapter, settings, target.service, invocation.context);

  const migrate = async (client: pg.Client): Promise<string[]> => {
    // Most tools expect their schema to exist; devup owns the schema, the tool its tables.
    await createSchema(client, target.schema);
    const beforeFiles = readToolFiles(adapter, settings, config.stateDir);
    const beforeState = await readTargetState(client, target.schema, adapter.history);
    const before = historyStatus(adapter, beforeFiles, beforeState);
    const appliedBefore = new Set(beforeFiles.set && beforeState.rows ? beforeFiles.set.applied(beforeState.rows) : []);
    const recorded = readFingerprint(config.stateDir, key);
    if (beforeState.rows === undefined || beforeState.rows.length === 0) {
      await bootstrapIfAsked(client, config, invocation, target, beforeFiles, options);
    }
    try {
      await runToolCommand(invocation, target, command, {
        root: config.root,
        onOutput: options.onOutput,
        signal: options.signal,
        ...(options.retry ? { retry: options.retry } : {}),
      });
    } catch (error) {
      invalidateFingerprint(config.stateDir, key);
      throw error;
    }
    const files = readToolFiles(adapter, settings, config.stateDir);
    const state = await readTargetState(client, target.schema, adapter.history);
    const applied = {
      hashes: appliedFileHashes(files.set, state.rows, recorded, appliedBefore),
      unwritten: appliedUnwritten(files.set, state.rows, recorded, appliedBefore),
    };
    recordFingerprint(
      config.stateDir,
      key,
      currentFingerprint(adapter, files, state, applied, config.migrations.contexts),
    );
    const after = historyStatus(adapter, files, state);
    warnIfStillPending(adapter, target, after, state, options.onOutput);
    return appliedBetween(before, after);
  };

  return withTargetLock(admin, target, migrate, options);
}

/** `migrations.bootstrap: 'schema'` (Alembic): a target with no history is first built from the snapshot. */
async function bootstrapIfAsked(
  client: pg.Client,
  config: Pick<ToolRunSettings, 'schema' | 'root'>,
  invocation: ToolInvocation,
  target: TargetBase,
  files: ToolFiles,
  options: { onOutput: (line: string) => void; signal?: AbortSignal },
): Promise<void> {
  if (invocation.settings.bootstrap !== 'schema' || invocation.adapter.tool !== 'alembic') return;
  // Lazy: only a fresh target of a service with `migrations.bootstrap: 'schema'` comes here.
  const { bootstrapAlembicTarget } = await import('./alembic-bootstrap.js');
  await bootstrapAlembicTarget(client, invocation, target, files, {
    snapshot: path.join(config.schema.dir, `${target.service}.sql`),
    root: config.root,
    onOutput: options.onOutput,
    signal: options.signal,
  });
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
