import { formatDuration } from '../lib/format.js';
import { appendToGroup } from '../lib/group.js';
import { describeHolder } from '../migrations/lock.js';
import type { StepEvent } from '../migrations/step/migration-step.js';
import { type TargetBase, targetLabel } from '../migrations/targets.js';
import { errorEvent, formatError } from './format-error.js';
import type { Output } from './output.js';

export interface PlannedTarget {
  target: TargetBase;
  pending: string[];
  upToDate: boolean;
}

/** Short enough for one line: all of two, else the first and the last. */
function list(ids: string[]): string {
  return ids.length <= 2 ? ids.join(', ') : `${ids[0]} … ${ids.at(-1)}`;
}

/** Up-to-date targets beyond this many are summarised per service instead of listed. */
const LIST_LIMIT = 12;

/**
 * Renders the migration step. Nothing pending: a few static lines, no spinner library loaded.
 * Work to do: listr2 in a TTY (one task per target, grouped by service), plain lines otherwise.
 */
export class MigrationProgress {
  private listr: { run(): Promise<unknown> } | undefined;
  private running: Promise<unknown> | undefined;
  private readonly waiters = new Map<
    TargetBase,
    { resolve: () => void; reject: (e: unknown) => void; task?: ListrTaskLike }
  >();

  /**
   * `live`: migrations applied while the services run (`devup dev` watching), whose logs share
   * the screen: plain lines only (no redrawn spinners), and nothing about up-to-date targets.
   */
  constructor(
    private readonly output: Output,
    private readonly options: { live?: boolean } = {},
  ) {}

  /** Called once the check is done, before anything is applied. */
  async planned(targets: PlannedTarget[]): Promise<void> {
    const out = this.output;
    if (out.mode === 'json') {
      for (const t of targets)
        out.event({ event: 'migration-check', ...label(t.target), pending: t.pending, upToDate: t.upToDate });
      return;
    }
    if (targets.length === 0) return;
    if (this.options.live) {
      if (targets.some((t) => !t.upToDate)) out.line('Running database migrations...');
      return;
    }
    out.line('Running database migrations...');
    const upToDate = targets.filter((t) => t.upToDate);
    if (targets.length <= LIST_LIMIT) {
      for (const t of upToDate) out.line(`  ${out.style('green', '✔')} ${targetLabel(t.target)} already up-to-date`);
    } else if (upToDate.length > 0) {
      const services = new Map<string, number>();
      for (const t of upToDate) services.set(t.target.service, (services.get(t.target.service) ?? 0) + 1);
      for (const [service, count] of services) {
        out.line(
          `  ${out.style('green', '✔')} ${service}: ${count} target${count === 1 ? '' : 's'} already up-to-date`,
        );
      }
    }
    const work = targets.filter((t) => !t.upToDate);
    if (work.length === 0 || out.mode !== 'tty') return;
    const { Listr } = await import('listr2');
    const byService = new Map<string, PlannedTarget[]>();
    for (const t of work) appendToGroup(byService, t.target.service, t);
    const tasks = [...byService].map(([service, items]) => ({
      title: service,
      task: (_ctx: unknown, task: { newListr: (tasks: unknown[], options: unknown) => unknown }) =>
        task.newListr(
          items.map((item) => ({
            title: `${targetLabel(item.target)}: ${item.pending.length} pending`,
            task: (_c: unknown, subtask: ListrTaskLike) =>
              new Promise<void>((resolve, reject) => this.waiters.set(item.target, { resolve, reject, task: subtask })),
          })),
          { concurrent: true, exitOnError: false },
        ),
    }));
    this.listr = new Listr(tasks as never, {
      concurrent: true,
      exitOnError: false,
      rendererOptions: { collapseSubtasks: false, collapseErrors: false, showErrorMessage: true },
    }) as unknown as { run(): Promise<unknown> };
    this.running = this.listr.run().catch(() => {});
  }

  event(event: StepEvent): void {
    const out = this.output;
    if (out.mode === 'json') {
      if (event.type === 'checked') return;
      out.event(jsonEvent(event));
      return;
    }
    switch (event.type) {
      case 'warning':
        out.warn(`${targetLabel(event.target)}: ${event.message}`);
        return;
      case 'database-setup':
        if (event.done.length > 0)
          out.line(`  ${out.style('green', '✔')} database ${event.database}: ${event.done.join(', ')}`);
        for (const warning of event.warnings) out.warn(`database ${event.database}: ${warning}`);
        return;
      case 'target-done':
      case 'target-failed':
      case 'target-skipped':
        this.#targetEnded(event);
        return;
      default:
        this.#progress(event);
    }
  }

  /** Where a running target is: its spinner's line on a terminal, else a line of its own (verbose). */
  #progress(event: StepEvent): void {
    const out = this.output;
    const waiter = 'target' in event ? this.waiters.get(event.target) : undefined;
    const task = out.mode === 'tty' ? waiter?.task : undefined;
    switch (event.type) {
      case 'file-start':
        if (task) task.output = `${event.migration.id}`;
        else if (out.verbose) out.line(`    ${targetLabel(event.target)}: ${event.migration.id} ...`);
        return;
      case 'file-done':
        if (!task && out.verbose)
          out.line(`    ${targetLabel(event.target)}: ${event.migration.id} (${formatDuration(event.ms)})`);
        return;
      case 'output':
        if (task) task.output = event.line;
        else if (out.verbose) out.line(`    ${targetLabel(event.target)} | ${event.line}`);
        return;
      case 'lock-wait': {
        const who = event.holder ? describeHolder(event.holder) : 'another session';
        const text = `${targetLabel(event.target)}: waiting for the migration lock held by ${who}`;
        if (task) task.output = text;
        else out.line(`  … ${text}`);
        return;
      }
      default:
        return;
    }
  }

  /** A target's last word: its task's title (and the task settles), or one line. */
  #targetEnded(event: Extract<StepEvent, { type: 'target-done' | 'target-failed' | 'target-skipped' }>): void {
    const out = this.output;
    const waiter = this.waiters.get(event.target);
    const task = out.mode === 'tty' ? waiter?.task : undefined;
    if (event.type === 'target-done') {
      const text =
        event.applied.length === 0
          ? `${targetLabel(event.target)} already up-to-date`
          : `${targetLabel(event.target)} applied ${event.applied.length} (${list(event.applied)}) in ${formatDuration(event.ms)}`;
      if (task) {
        task.title = text;
        waiter?.resolve();
      } else out.line(`  ${out.style('green', '✔')} ${text}`);
    } else if (event.type === 'target-failed') {
      const { text } = formatError(event.error, out, out.verbose);
      if (task) {
        task.title = `${targetLabel(event.target)} failed`;
        waiter?.reject(new Error(text));
      } else {
        out.line(`  ${out.style('red', '✗')} ${targetLabel(event.target)} failed`);
        for (const l of text.split('\n')) out.line(`      ${l}`);
      }
    } else if (task) {
      task.title = `${targetLabel(event.target)} skipped (${event.reason})`;
      waiter?.resolve();
    } else out.line(`  - ${targetLabel(event.target)} skipped (${event.reason})`);
  }

  /** Waits for the listr2 renderer to draw its last frame. */
  async finish(): Promise<void> {
    for (const waiter of this.waiters.values()) waiter.resolve();
    await this.running;
  }
}

interface ListrTaskLike {
  title: string | undefined;
  output: string | undefined;
}

function label(target: TargetBase) {
  return { service: target.service, tenant: target.tenant, schema: target.schema };
}

function jsonEvent(event: StepEvent): Record<string, unknown> {
  const base = { event: `migration-${event.type}`, ...('target' in event ? label(event.target) : {}) };
  switch (event.type) {
    case 'file-start':
      return { ...base, migration: event.migration.id, version: event.migration.version.toString() };
    case 'file-done':
      return {
        ...base,
        migration: event.migration.id,
        version: event.migration.version.toString(),
        ms: Math.round(event.ms),
      };
    case 'target-done':
      return { ...base, applied: event.applied, ms: Math.round(event.ms) };
    case 'target-failed':
      return { ...base, error: errorEvent(event.error) };
    case 'target-skipped':
      return { ...base, reason: event.reason };
    case 'lock-wait':
      return { ...base, holder: event.holder ?? null };
    case 'warning':
      return { ...base, message: event.message };
    case 'output':
      return { ...base, line: event.line };
    case 'database-setup':
      return { ...base, database: event.database, done: event.done, warnings: event.warnings };
    default:
      return base;
  }
}
