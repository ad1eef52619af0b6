import type pg from 'pg';
import type { ResolvedConfig, ServiceSettings } from '../../config/types.js';
import type { ConnectionInfo } from '../../database/connection.js';
import type { TargetBase } from '../targets.js';

/** The cheap check before spawning an external tool. */
export interface ToolCheck {
  upToDate: boolean;
  /** Ids of pending migrations where they can be known (else a single "changes detected" entry). */
  pending: string[];
}

/** Decides without spawning the tool whether it has anything to do for this target. */
export async function checkToolTarget(
  _config: ResolvedConfig,
  _service: ServiceSettings,
  _target: TargetBase,
  _admin: ConnectionInfo,
  _client: pg.Client,
): Promise<ToolCheck> {
  return { upToDate: false, pending: ['(unknown)'] };
}

/** Runs the tool once for this target; returns the ids it applied where known. */
export async function runToolTarget(
  _config: ResolvedConfig,
  _service: ServiceSettings,
  _target: TargetBase,
  _admin: ConnectionInfo,
  _options: { onOutput: (line: string) => void; signal?: AbortSignal },
): Promise<string[]> {
  return [];
}
