import type { ResolvedConfig } from '../config/types.js';
import { chooseEngine, createEngine } from '../database/boot.js';
import { type ConnectionInfo, withClient } from '../database/connection.js';
import { UserError } from '../errors.js';
import { type InspectedTarget, inspectTargets } from '../migrations/inspect.js';
import { isUpToDate } from '../migrations/plan.js';
import type { ToolCheck } from '../migrations/tools/tool-runner.js';
import { type CommandContext, parseList } from './context.js';

/** `--exit-code`: what a CI gate or a pre-deploy check reads (1, an error, comes from main). */
export const STATUS_EXIT = { upToDate: 0, pending: 3 } as const;

function timestamp(date: Date): string {
  return date.toISOString().replace('T', ' ').slice(0, 19);
}

/** Where the project's Postgres answers, if it runs: a status starts, creates and writes nothing. */
async function runningDatabase(ctx: CommandContext, config: ResolvedConfig): Promise<ConnectionInfo> {
  const { name } = await chooseEngine(config, ctx.engine, { notice: (m) => ctx.output.notice(m) });
  const engine = createEngine(config, name);
  const { state } = await engine.status();
  if (state !== 'running') {
    throw new UserError(
      `Postgres (${name}) is ${state === 'absent' ? 'not created yet' : state}: migrate status starts nothing`,
      {
        hint: '`devup dev` or `devup migrate` starts it and applies the migrations; `devup status` shows the whole picture.',
      },
    );
  }
  return engine.connection;
}

/** What the external tools would run, asked only for the gate (it reads their files and tables). */
async function checkTools(
  config: ResolvedConfig,
  admin: ConnectionInfo,
  inspected: InspectedTarget[],
): Promise<Map<InspectedTarget, ToolCheck>> {
  const toolTargets = inspected.filter((t) => t.plan === undefined && t.service.service.migrations?.kind === 'tool');
  const checks = new Map<InspectedTarget, ToolCheck>();
  if (toolTargets.length === 0) return checks;
  const { checkToolTarget } = await import('../migrations/tools/tool-runner.js');
  await withClient(admin, async (client) => {
    for (const t of toolTargets)
      checks.set(t, await checkToolTarget(config, t.service.service, t.target, admin, client));
  });
  return checks;
}

/** `devup migrate status [--json] [--exit-code]`: per target, applied / pending / failed / changed. */
export default async function migrateStatus(ctx: CommandContext, options: Record<string, unknown>): Promise<number> {
  const config = await ctx.loadConfig();
  const { output } = ctx;
  const admin = await runningDatabase(ctx, config);
  const inspected = await inspectTargets(config, admin, {
    services: parseList(options.service as string | undefined),
    tenant: options.tenant as string | undefined,
  });
  const gate = options.exitCode === true;
  const toolChecks = gate ? await checkTools(config, admin, inspected) : new Map<InspectedTarget, ToolCheck>();
  const hasWork = inspected.some((t) => (t.plan ? !isUpToDate(t.plan) : toolChecks.get(t)?.upToDate === false));
  const exitCode = gate && hasWork ? STATUS_EXIT.pending : STATUS_EXIT.upToDate;
  const report = inspected.map((inspectedTarget) => {
    const { target, plan } = inspectedTarget;
    const toolCheck = toolChecks.get(inspectedTarget);
    return {
      service: target.service,
      tenant: target.tenant,
      schema: target.schema,
      applied: (plan?.applied ?? []).map(({ row }) => ({
        version: row.version.toString(),
        name: row.name,
        appliedAt: row.appliedAt.toISOString(),
        executionMs: row.executionMs,
      })),
      pending: plan
        ? plan.pending.map((m) => ({
            version: m.version.toString(),
            name: m.id,
            outOfOrder: plan.outOfOrder.includes(m),
          }))
        : (toolCheck?.pending ?? []).map((id) => ({ version: null, name: id, outOfOrder: false })),
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
      externalTool: plan === undefined,
      toolChecked: toolCheck !== undefined,
    };
  });
  if (output.mode === 'json') {
    process.stdout.write(`${JSON.stringify({ targets: report, ...(gate ? { pending: hasWork } : {}) })}\n`);
    return exitCode;
  }
  let totalPending = 0;
  for (const t of report) {
    output.line(output.style('bold', t.schema));
    if (t.externalTool && !t.toolChecked) {
      output.line('  (run by an external tool: see `devup dev` for whether it has work)');
      continue;
    }
    const width = Math.max(
      0,
      ...[...t.applied.map((a) => a.name), ...t.pending.map((p) => p.name)].map((n) => n.length),
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
    for (const f of t.failed)
      output.line(`  ${output.style('red', '✗')} ${f.name.padEnd(width)}   failed: ${f.error ?? ''}`);
    for (const p of t.pending)
      output.line(`  ${output.style('cyan', '•')} ${p.name}${p.outOfOrder ? '   (out of order)' : ''}`);
    for (const m of t.missing)
      output.line(`  ${output.style('yellow', '?')} ${m.name.padEnd(width)}   applied, but no file`);
    const parts = [`${t.applied.length} applied`, `${t.pending.length} pending`];
    if (t.failed.length) parts.push(`${t.failed.length} failed`);
    if (t.changed.length) parts.push(`${t.changed.length} changed`);
    output.line(`  ${parts.join(', ')}`);
    totalPending += t.pending.length;
  }
  output.line();
  output.line(`${report.length} targets, ${totalPending} pending migration${totalPending === 1 ? '' : 's'}`);
  return exitCode;
}
