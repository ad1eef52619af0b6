import { readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import type { ResolvedConfig, ServiceSettings } from '../../config/types.js';
import type { ConnectionInfo } from '../../database/connection/connection.js';
import { UserError } from '../../errors.js';
import { parseDbmateFile } from '../sql/discover.js';
import type { TargetBase } from '../targets.js';
import { alembicSqlRange } from './alembic-plan.js';
import type { ToolInvocationSettings } from './tool-invocation.js';
import { prepareToolInvocation, runToolCommand } from './tool-invocation.js';
import { toolProgram, withArgs } from './tool-program.js';
import { toolTargetStatus } from './tool-status.js';

interface DryRunOutput {
  line(text?: string): void;
  debug(text: string): void;
  pending(ids: string[]): void;
  /** Called before the target's SQL: the script's `\connect` and search_path for it. */
  enter?(): void;
}

/** The SQL a pending migration of a tool that runs plain SQL files runs, as written in its file. */
function plainSqlOf(tool: string, migrationsDir: string, id: string): string | undefined {
  if (tool === 'dbmate') {
    const file = path.join(migrationsDir, `${id}.sql`);
    return parseDbmateFile(file, readFileSync(file, 'utf8')).up.sql;
  }
  if (tool === 'prisma') return readFileSync(path.join(migrationsDir, id, 'migration.sql'), 'utf8');
  return undefined;
}

/**
 * `devup migrate --dry-run` for a tool target: the SQL the tool would run, changing nothing. From
 * the tool itself where it has an offline mode (`alembic upgrade --sql <current>:head`); from the
 * pending files where the tool runs them as written (dbmate's up section, Prisma's migration.sql).
 */
export async function dryRunToolTarget(
  config: ToolInvocationSettings & Pick<ResolvedConfig, 'stateDir'>,
  service: ServiceSettings,
  target: TargetBase,
  admin: ConnectionInfo,
  client: pg.Client,
  output: DryRunOutput,
): Promise<void> {
  const status = await toolTargetStatus(config.stateDir, service, target, admin, client);
  if (status.tool !== 'alembic' && status.tool !== 'dbmate' && status.tool !== 'prisma') {
    throw new UserError(`${target.schema}: ${status.tool} has no offline mode devup can use to show its SQL`, {
      hint: `devup migrate --dry-run shows SQL for devup's own migrations, Alembic, dbmate and Prisma; for ${status.tool}, read the pending files (devup migrate status lists them).`,
    });
  }
  if (status.problem) {
    throw new UserError(`${target.schema}: ${status.problem}`, {
      hint: 'devup migrate status shows the same; fix the files or the history table it names first.',
    });
  }
  const pending = (status.pending ?? []).map((p) => p.version);
  output.pending(pending);
  if (pending.length === 0) {
    output.line(`-- ${target.schema}: nothing pending`);
    return;
  }
  const invocation = await prepareToolInvocation(config, service, target, admin);
  output.enter?.();
  if (status.tool !== 'alembic') {
    for (const id of pending) {
      output.line(`-- ${target.schema}: ${id} (${status.tool} runs it as written)`);
      output.line(`set search_path to "${target.schema}", public;`);
      output.line((plainSqlOf(status.tool, invocation.context.migrationsDir, id) ?? '').trimEnd());
      output.line();
    }
    return;
  }
  const range = alembicSqlRange(status.current, target.schema);
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
}
