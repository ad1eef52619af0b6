import type pg from 'pg';
import type { ResolvedConfig, ServiceSettings } from '../../config/types.js';
import type { ConnectionInfo } from '../../database/connection.js';
import { UserError } from '../../errors.js';
import type { TargetBase } from '../targets.js';
import { alembicSqlRange } from './alembic-plan.js';
import { prepareToolInvocation, runToolCommand } from './tool-invocation.js';
import { toolProgram, withArgs } from './tool-program.js';
import { toolTargetStatus } from './tool-status.js';

/**
 * `devup migrate --dry-run` for a tool target: the SQL the tool would run, from the tool itself
 * where it has an offline mode (`alembic upgrade --sql <current>:head`). Changes nothing.
 */
export async function dryRunToolTarget(
  config: ResolvedConfig,
  service: ServiceSettings,
  target: TargetBase,
  admin: ConnectionInfo,
  client: pg.Client,
  output: { line(text?: string): void; debug(text: string): void; pending(ids: string[]): void },
): Promise<void> {
  const status = await toolTargetStatus(config, service, target, admin, client);
  if (status.tool !== 'alembic') {
    throw new UserError(`${target.schema}: ${status.tool} has no offline mode devup can use to show its SQL`, {
      hint: `devup migrate --dry-run shows SQL for devup's own migrations and Alembic's; for ${status.tool}, read the pending files (devup migrate status lists them).`,
    });
  }
  if (status.problem) throw new UserError(`${target.schema}: ${status.problem}`);
  const pending = (status.pending ?? []).map((p) => p.version);
  output.pending(pending);
  if (pending.length === 0) {
    output.line(`-- ${target.schema}: nothing pending`);
    return;
  }
  const range = alembicSqlRange(status.current, target.schema);
  const invocation = await prepareToolInvocation(config, service, target, admin);
  const program = toolProgram(invocation.adapter, invocation.settings, target.service, invocation.context);
  output.line(`-- ${target.schema}: alembic upgrade --sql ${range} (pending: ${pending.join(', ')})`);
  // Offline mode prints the SQL on stdout; its log lines (stderr) would not parse as SQL.
  await runToolCommand(invocation, target, withArgs(program, ['upgrade', '--sql', range]), {
    root: config.root,
    onOutput: (line) => output.line(line),
    onStderr: () => {},
    onNote: (line) => output.debug(line),
    retry: `devup migrate --dry-run again (--service ${target.service} --tenant ${target.tenant})`,
  });
  output.line();
}
