import { UserError } from '../../errors.js';
import type { SqlTarget } from '../sql/apply.js';
import { checkPlanSafety } from '../sql/plan-safety.js';
import type { StepEvent, StepOutcomes } from './step-outcomes.js';
import { needsWork, type TargetWork } from './target-check.js';

/**
 * Between the check and the run: reports what a person must look at, and returns the targets to
 * migrate (pending, and not failed already).
 */
export function planStep(
  works: TargetWork[],
  outcomes: StepOutcomes,
  options: { strict?: boolean | undefined },
  emit: (event: StepEvent) => void,
): TargetWork[] {
  // Drift, missing files and (with --strict) out-of-order are reported for up-to-date targets too;
  // targets with work are checked again inside their lock, where the history is exact.
  for (const w of works) {
    if (!w.sqlPlan || !w.service.migrations || needsWork(w)) continue;
    try {
      const target: SqlTarget = {
        ...w.target,
        migrations: w.service.migrations,
        contexts: w.service.contexts,
        bootstrap: w.service.bootstrap,
      };
      for (const message of checkPlanSafety(target, w.sqlPlan, { strict: options.strict ?? false }))
        emit({ type: 'warning', target, message });
    } catch (error) {
      outcomes.failed(w.target, error);
    }
  }
  // A tool's files that contradict themselves (Alembic's several heads): an error under --strict,
  // else a warning before the tool runs into it.
  for (const w of works) {
    const problem = w.toolCheck?.filesProblem;
    if (!problem) continue;
    if (options.strict) {
      outcomes.failed(
        w.target,
        new UserError(`${w.target.service}: ${problem}`, {
          hint: `--strict refuses to migrate ${w.target.schema} until the files are fixed.`,
        }),
      );
    } else emit({ type: 'warning', target: w.target, message: problem });
  }
  for (const w of works) {
    const edited = w.toolCheck?.edited ?? [];
    if (edited.length > 0) emit({ type: 'warning', target: w.target, message: editedWarning(w, edited) });
    const unwritten = w.toolCheck?.unwritten ?? [];
    // Applied as asked (`devup dev` watching waits for these instead): the revision is recorded
    // with nothing run, so writing its upgrade() afterwards needs `devup migrate redo`.
    if (unwritten.length > 0) {
      emit({
        type: 'warning',
        target: w.target,
        message: `${unwritten.join(', ')}: upgrade() is still empty; applying records ${unwritten.length === 1 ? 'it' : 'them'} with nothing run (after writing it, \`devup migrate redo\`)`,
      });
    }
  }
  return works.filter((w) => needsWork(w) && !outcomes.hasFailed(w.target));
}

/** The tool never runs an applied migration again: an edit to one is not in the database. */
function editedWarning(w: TargetWork, edited: string[]): string {
  return `${edited.join(', ')} changed since ${edited.length === 1 ? 'it was' : 'they were'} applied; the tool will not run ${edited.length === 1 ? 'it' : 'them'} again. \`devup migrate redo --service ${w.target.service} --tenant ${w.target.tenant}\` rolls back the newest applied migration and applies it again.`;
}
