import type pg from 'pg';
import type { CommandContext } from '../app/context.js';
import { withSqlTargets } from '../app/select-sql-targets.js';
import type { ResolvedConfig } from '../config/types.js';
import type { ConnectionInfo } from '../database/connection/connection.js';
import { EXIT } from '../errors.js';
import type { InspectedTarget } from '../migrations/inspect.js';
import { isUnfinishedRollback } from '../migrations/sql/history.js';
import { isUpToDate, type TargetPlan } from '../migrations/sql/plan.js';
import { type MigrationTag, readTargetTags } from '../migrations/tags/tag-store.js';
import { type TargetBase, targetLabel } from '../migrations/targets.js';
import type { ToolTargetStatus } from '../migrations/tools/tool-status.js';
import type { Output } from '../ui/output.js';

/**
 * For the gate: whether any target has work. A tool whose pending migrations cannot be read from
 * its files (Liquibase, `command`) is asked the migration step's own question (files, history and
 * database against the fingerprint recorded after its last successful run).
 */
async function targetsHaveWork(
  config: ResolvedConfig,
  admin: ConnectionInfo,
  client: pg.Client,
  inspected: InspectedTarget[],
  tools: Map<TargetBase, ToolTargetStatus>,
): Promise<boolean> {
  const unknown: InspectedTarget[] = [];
  for (const t of inspected) {
    const tool = tools.get(t.target);
    if (t.plan && !isUpToDate(t.plan)) return true;
    if (tool?.pending && tool.pending.length > 0) return true;
    if (tool && tool.changed.length > 0) return true;
    if (tool && tool.pending === undefined) unknown.push(t);
  }
  if (unknown.length === 0) return false;
  const { checkToolTarget } = await import('../migrations/tools/tool-runner.js');
  for (const t of unknown) {
    if (!(await checkToolTarget(config, t.service.service, t.target, admin, client)).upToDate) return true;
  }
  return false;
}

function timestamp(date: Date): string {
  return date.toISOString().replace('T', ' ').slice(0, 19);
}

/** `at` null: the tag was made before anything was applied (rolling back to it undoes all). */
function tagReport(tags: readonly MigrationTag[] | undefined) {
  return (tags ?? []).map((t) => ({
    name: t.name,
    at: t.at,
    taggedAt: t.taggedAt.toISOString(),
    taggedBy: t.taggedBy,
  }));
}

function sqlReport(
  target: TargetBase,
  plan: TargetPlan | undefined,
  mainDatabase: string,
  contexts: readonly string[],
) {
  return {
    service: target.service,
    tenant: target.tenant,
    schema: target.schema,
    contexts: [...contexts],
    database: target.database ?? mainDatabase,
    applied: (plan?.applied ?? []).map(({ row }) => ({
      version: row.version.toString(),
      name: row.name,
      appliedAt: row.appliedAt.toISOString(),
      executionMs: row.executionMs,
    })),
    pending: (plan?.pending ?? []).map((m) => ({
      version: m.version.toString(),
      name: m.id,
      outOfOrder: plan?.outOfOrder.includes(m) ?? false,
    })),
    failed: [...(plan?.blocked ?? []).map((b) => b.row), ...(plan?.retried ?? [])].map((row) => ({
      version: row.version.toString(),
      name: row.name,
      error: row.error,
      statement: row.statement,
      transactional: row.transactional,
    })),
    changed: (plan?.changed ?? []).map(({ migration, row }) => ({
      version: row.version.toString(),
      name: row.name,
      appliedChecksum: row.checksum,
      fileChecksum: migration.checksum,
    })),
    missing: (plan?.missing ?? []).map((row) => ({ version: row.version.toString(), name: row.name })),
    /** Not applied, declared for contexts this run does not run. */
    skipped: (plan?.skipped ?? []).map((m) => ({
      version: m.version.toString(),
      name: m.id,
      contexts: m.contexts ?? [],
    })),
    externalTool: false as const,
  };
}
type SqlReport = ReturnType<typeof sqlReport>;

function toolReport(target: TargetBase, tool: ToolTargetStatus, mainDatabase: string) {
  return {
    service: target.service,
    tenant: target.tenant,
    schema: target.schema,
    database: target.database ?? mainDatabase,
    tool: tool.tool,
    current: tool.current,
    applied: tool.applied,
    // null, not []: a reader must not take "unknown" for "nothing pending".
    pending: tool.pending ?? null,
    failed: [],
    // Its file differs from the one applied; what the tool applied then is not known, so no checksums.
    changed: tool.changed,
    missing: [],
    problem: tool.problem ?? tool.unknown ?? null,
    externalTool: true as const,
  };
}

async function readToolStatuses(
  config: ResolvedConfig,
  inspected: InspectedTarget[],
  admin: ConnectionInfo,
  client: pg.Client,
): Promise<Map<TargetBase, ToolTargetStatus>> {
  const toolTargets = inspected.filter((t) => !t.sql).map((t) => ({ service: t.service.service, target: t.target }));
  if (toolTargets.length === 0) return new Map();
  // External tools' adapters load only for projects that use one.
  const { toolTargetStatuses } = await import('../migrations/tools/tool-status.js');
  return toolTargetStatuses(config.stateDir, admin, toolTargets, client);
}

/** `devup migrate status [--json]`: per target, applied / pending / failed / changed. */
export default async function migrateStatus(ctx: CommandContext, options: Record<string, unknown>): Promise<number> {
  const gate = options.exitCode === true;
  const { output } = ctx;
  return withSqlTargets(
    ctx,
    options,
    async ({ config, admin, targets, client }) => {
      // One connection for the SQL histories, the tools' history tables and the gate's questions.
      const tools = await readToolStatuses(config, targets, admin, client);
      const tags = await readTargetTags(
        admin,
        client,
        targets.map((t) => t.target),
      );
      // A tool target whose state contradicts its files makes the answer wrong: exit 1.
      const unanswered = [...tools.values()].filter((t) => t.problem).length;
      const hasWork = gate && (await targetsHaveWork(config, admin, client, targets, tools));
      const exitCode = unanswered > 0 ? EXIT.failure : hasWork ? EXIT.pending : EXIT.ok;
      if (output.mode === 'json') {
        const report = targets.map(({ target, plan }) => {
          const tool = tools.get(target);
          const report = tool
            ? toolReport(target, tool, admin.database)
            : sqlReport(target, plan, admin.database, config.migrations.contexts);
          return { ...report, tags: tagReport(tags.get(target)) };
        });
        process.stdout.write(`${JSON.stringify({ targets: report, ...(gate ? { pending: hasWork } : {}) })}\n`);
      } else {
        printStatus(output, targets, tools, { unanswered, contexts: config.migrations.contexts, tags });
      }
      return exitCode;
    },
    { startsNothing: 'migrate status' },
  );
}

function printStatus(
  output: Output,
  inspected: InspectedTarget[],
  tools: Map<TargetBase, ToolTargetStatus>,
  {
    unanswered,
    contexts,
    tags,
  }: { unanswered: number; contexts: readonly string[]; tags: Map<TargetBase, MigrationTag[]> },
): void {
  let totalPending = 0;
  for (const { target, plan } of inspected) {
    const tool = tools.get(target);
    if (tool) {
      output.line(`${output.style('bold', targetLabel(target))}  (${tool.tool})`);
      printToolTarget(output, tool, target);
      totalPending += tool.pending?.length ?? 0;
    } else {
      output.line(output.style('bold', targetLabel(target)));
      const report = sqlReport(target, plan, '', contexts);
      printSqlTarget(output, report);
      totalPending += report.pending.length;
    }
    const tagged = tagReport(tags.get(target));
    if (tagged.length > 0) {
      output.line(`  tags: ${tagged.map((t) => `${t.name} → ${t.at ?? '(nothing applied)'}`).join(', ')}`);
    }
  }
  output.line();
  output.line(
    `${inspected.length} target${inspected.length === 1 ? '' : 's'}, ${totalPending} pending migration${totalPending === 1 ? '' : 's'}`,
  );
  if (unanswered > 0) {
    output.error(`${unanswered} target${unanswered === 1 ? ' needs' : 's need'} attention (✗ above)`);
  }
}

function printSqlTarget(output: Output, t: SqlReport): void {
  const width = Math.max(
    0,
    ...[...t.applied.map((a) => a.name), ...t.pending.map((p) => p.name), ...t.skipped.map((k) => k.name)].map(
      (n) => n.length,
    ),
  );
  for (const a of t.applied) {
    output.line(
      `  ${output.style('green', '✔')} ${a.name.padEnd(width)}   ${timestamp(new Date(a.appliedAt))}   ${String(a.executionMs).padStart(5)} ms`,
    );
  }
  for (const c of t.changed) {
    output.line(
      `  ${output.style('yellow', '≠')} ${c.name.padEnd(width)}   changed since applied (${c.appliedChecksum.slice(0, 8)} → ${c.fileChecksum.slice(0, 8)})`,
    );
  }
  for (const f of t.failed) {
    // "rollback did not finish: …" / "rollback failed: …" says what it is by itself.
    const what = isUnfinishedRollback({ success: false, error: f.error }) ? f.error : `failed: ${f.error ?? ''}`;
    output.line(`  ${output.style('red', '✗')} ${f.name.padEnd(width)}   ${what}`);
  }
  for (const p of t.pending)
    output.line(`  ${output.style('cyan', '•')} ${p.name}${p.outOfOrder ? '   (out of order)' : ''}`);
  for (const m of t.missing)
    output.line(`  ${output.style('yellow', '?')} ${m.name.padEnd(width)}   applied, but no file`);
  for (const k of t.skipped)
    output.line(
      `  ${output.style('dim', '-')} ${k.name.padEnd(width)}   skipped: only in ${k.contexts.join(', ')} (this run: ${t.contexts.join(', ')})`,
    );
  if (t.changed.length > 0) printWayOut(output, t, true);
  const parts = [`${t.applied.length} applied`, `${t.pending.length} pending`];
  if (t.skipped.length) parts.push(`${t.skipped.length} skipped`);
  if (t.failed.length) parts.push(`${t.failed.length} failed`);
  if (t.changed.length) parts.push(`${t.changed.length} changed`);
  output.line(`  ${parts.join(', ')}`);
}

function printToolTarget(output: Output, tool: ToolTargetStatus, target: TargetBase): void {
  const named = (r: { version: string; name: string }) =>
    r.name.includes(r.version) ? r.name : `${r.version} (${r.name})`;
  if (tool.tool === 'alembic') output.line(`  current: ${tool.current.join(', ') || '(none: nothing applied)'}`);
  for (const a of tool.applied) {
    const mark = a.name.endsWith('(no file)') ? output.style('yellow', '?') : output.style('green', '✔');
    output.line(`  ${mark} ${named(a)}`);
  }
  for (const c of tool.changed) output.line(`  ${output.style('yellow', '≠')} ${named(c)}   changed since applied`);
  for (const p of tool.pending ?? []) output.line(`  ${output.style('cyan', '•')} ${named(p)}`);
  if (tool.problem) output.line(`  ${output.style('red', '✗')} ${tool.problem}`);
  if (tool.unknown) output.line(`  ${output.style('yellow', '?')} pending unknown: ${tool.unknown}`);
  const parts = [
    `${tool.applied.length} applied`,
    tool.pending === undefined ? 'pending unknown' : `${tool.pending.length} pending`,
  ];
  if (tool.changed.length > 0) parts.push(`${tool.changed.length} changed`);
  output.line(`  ${parts.join(', ')}`);
  if (tool.changed.length > 0) printWayOut(output, target, false);
}

/** After an applied migration that was edited: how to get the edit applied. */
function printWayOut(output: Output, target: { service: string; tenant: string }, sql: boolean): void {
  const repair = sql ? ', or accept the file as it is with `devup migrate repair`' : '';
  output.line(
    `  → ${output.style('bold', `devup migrate redo --service ${target.service} --tenant ${target.tenant}`)} rolls back the newest applied migration and applies it again; or undo the edit (git checkout) and put the change in a new migration${repair}`,
  );
}
