import type { EngineName } from '../config/schema.js';
import type { ResolvedConfig } from '../config/types.js';
import { chooseEngine, createEngine } from '../database/boot.js';
import type { EngineStatus } from '../database/engine.js';
import type { InfraState } from '../infra/infra-state.js';
import { runMigrationStep } from '../migrations/step/migration-step.js';
import { type TargetBase, targetLabel } from '../migrations/targets.js';
import { type DevSessionState, readDevSession } from '../services/dev-session.js';
import type { Output } from '../ui/output.js';

/** What `devup status` reports: read only, nothing started, created or written. */
export interface ProjectStatus {
  engine: EngineStatus;
  targets: (TargetBase & { status: string; pending: string[] })[];
  migrationError: string | undefined;
  session: DevSessionState | undefined;
  /** undefined for a config with infra when no Docker engine answers. */
  infra: InfraState[] | undefined;
}

export async function readProjectStatus(
  config: ResolvedConfig,
  engineName: EngineName | undefined,
): Promise<ProjectStatus> {
  const { name } = await chooseEngine(config, engineName, { notice: () => {} });
  const server = await createEngine(config, name);
  const engine = await server.status();
  let targets: ProjectStatus['targets'] = [];
  let migrationError: string | undefined;
  if (engine.state === 'running') {
    try {
      const result = await runMigrationStep(config, server.connection, { readOnly: true });
      targets = result.outcomes.map((o) => ({ ...o.target, status: o.status, pending: o.pending }));
    } catch (error) {
      migrationError = (error as Error).message;
    }
  }
  const session = readDevSession(config.stateDir);
  // Loaded only for a config with infra; asks Docker once (a list by label), writes nothing.
  const infra =
    config.infra.length > 0 ? await (await import('./infra-commands.js')).projectInfraStates(config) : undefined;
  return { engine, targets, migrationError, session, infra };
}

/** `devup status --json`: one object, with the dashboard's resource model. */
export async function projectStatusJson(config: ResolvedConfig, status: ProjectStatus): Promise<string> {
  const { engine, targets, migrationError, session, infra } = status;
  // Both loaded only for --json.
  const { statusResources } = await import('../dashboard/status-resources.js');
  const infraRows = infra ? (await import('./infra-commands.js')).infraResourceRows(config, infra) : [];
  const resources = await statusResources(config.stateDir, engine, session, infraRows);
  const problem = engine.problem
    ? {
        message: engine.problem.error.message,
        hint: engine.problem.error.hint ?? null,
        answered: engine.problem.answered,
      }
    : undefined;
  return JSON.stringify({
    project: config.project,
    engine: { ...engine, problem },
    targets,
    migrationError: migrationError ?? null,
    dev: session ?? null,
    ...(config.infra.length > 0 ? { infra: infra ?? null } : {}),
    resources,
  });
}

/** `devup status`: Postgres, infra, each target's migrations, the running dev session. */
export function printProjectStatus(output: Output, config: ResolvedConfig, status: ProjectStatus): void {
  const { engine, targets, migrationError, session, infra } = status;
  const mark = engine.state === 'running' ? output.style('green', '●') : output.style('gray', '○');
  output.line(`${output.style('bold', config.project)}`);
  output.line(
    `  ${mark} Postgres (${engine.engine}): ${engine.state}, ${engine.description}${engine.port ? `, port ${engine.port}` : ''}`,
  );
  if (engine.problem) {
    const { error, answered } = engine.problem;
    output.line(`  ! ${answered ? 'the server answered, but ' : ''}${error.message}`);
    if (error.hint) output.line(`    ${error.hint}`);
  }
  if (config.infra.length > 0 && !infra) output.line('  ○ infra: no Docker engine answers');
  for (const i of infra ?? []) {
    const on = i.state === 'running' ? output.style('green', '●') : output.style('gray', '○');
    const note = i.outdated ? ' (config changed: the next `devup dev` recreates it)' : '';
    output.line(
      `  ${on} ${i.name} (${i.kind ?? i.image}): ${i.state}, ${i.url || 'no port'}, container ${i.container}${note}`,
    );
  }
  if (migrationError) output.line(`  ! migrations: ${migrationError}`);
  for (const t of targets) {
    output.line(
      t.status === 'up-to-date'
        ? `  ${output.style('green', '✔')} ${targetLabel(t)} up-to-date`
        : `  ${output.style('cyan', '•')} ${targetLabel(t)}: ${t.pending.length} pending (${t.pending.slice(0, 3).join(', ')}${t.pending.length > 3 ? ', …' : ''})`,
    );
  }
  if (!session) {
    output.line('  devup dev is not running');
    return;
  }
  output.line(`  devup dev running (pid ${session.pid}, since ${session.startedAt})`);
  for (const s of session.services) {
    output.line(
      `    ${s.name.padEnd(12)} ${s.status.padEnd(10)} ${s.pid ? `pid ${s.pid}` : ''} ${s.url ?? (s.port ? `port ${s.port}` : '')}`.trimEnd(),
    );
  }
}
