import type { ResolvedConfig } from '../config/types.js';
import { chooseEngine, createEngine } from '../database/boot.js';
import type { ConnectionInfo } from '../database/connection.js';
import { UserError } from '../errors.js';
import { inspectTargets } from '../migrations/inspect.js';
import { type CommandContext, parseList } from './context.js';

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

/** `devup migrate status [--json]`: per target, applied / pending / failed / changed. */
export default async function migrateStatus(ctx: CommandContext, options: Record<string, unknown>): Promise<number> {
  const config = await ctx.loadConfig();
  const { output } = ctx;
  const inspected = await inspectTargets(config, await runningDatabase(ctx, config), {
    services: parseList(options.service as string | undefined),
    tenant: options.tenant as string | undefined,
  });
  const report = inspected.map(({ target, plan }) => ({
    service: target.service,
    tenant: target.tenant,
    schema: target.schema,
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
    externalTool: plan === undefined,
  }));
  if (output.mode === 'json') {
    process.stdout.write(`${JSON.stringify({ targets: report })}\n`);
    return 0;
  }
  let totalPending = 0;
  for (const t of report) {
    output.line(output.style('bold', t.schema));
    if (t.externalTool) {
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
  return 0;
}
