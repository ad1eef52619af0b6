import { UserError } from '../../errors.js';
import type { SqlTarget } from './apply.js';
import { isUnfinishedRollback } from './history.js';
import type { TargetPlan } from './plan.js';

/**
 * The safety check of a plan before anything runs: stops on what a person must look at (drift, a
 * half-applied migration; with `strict`, out-of-order and missing files), else returns the
 * warnings to show (out-of-order, missing files).
 */
export function checkPlanSafety(target: SqlTarget, plan: TargetPlan, options: { strict?: boolean }): string[] {
  const warnings: string[] = [];
  const where = `${target.schema}`;
  if (plan.changed.length > 0) {
    throw new UserError(
      `${where}: ${plan.changed.length === 1 ? 'an applied migration was' : `${plan.changed.length} applied migrations were`} changed since it ran`,
      {
        details: plan.changed.map(
          ({ migration, row }) =>
            `  ${migration.up.file}\n    applied checksum ${row.checksum.slice(0, 12)}…, file checksum ${migration.checksum.slice(0, 12)}…`,
        ),
        hint: 'Revert the file and put the change in a new migration, or run `devup migrate repair` to accept the files as they are.',
      },
    );
  }
  const blocked = plan.blocked[0];
  if (blocked && isUnfinishedRollback(blocked.row)) {
    const { row } = blocked;
    throw new UserError(
      `${where}: the rollback of ${row.name} did not complete (${row.error}); its down ran outside a transaction, so it may be partly rolled back`,
      {
        hint: 'Check which statements of its down took effect, make the down safe to re-run (e.g. IF EXISTS) and run `devup migrate down` to finish it; or run `devup migrate repair` to forget it, and it is applied again.',
      },
    );
  }
  if (blocked) {
    const { row } = blocked;
    const what = row.error?.startsWith('did not finish')
      ? `was interrupted (${row.error})`
      : `failed at statement ${row.statement ?? '?'} (${row.error})`;
    throw new UserError(
      `${where}: migration ${row.name} ${what}; it ran outside a transaction, so it may be partly applied`,
      {
        hint: 'Check which of its statements took effect, make the file safe to re-run (e.g. IF NOT EXISTS), then run `devup migrate repair` and migrate again.',
      },
    );
  }
  if (plan.outOfOrder.length > 0) {
    const ids = plan.outOfOrder.map((m) => m.id).join(', ');
    const message = `${ids} ${plan.outOfOrder.length === 1 ? 'is' : 'are'} older than the newest applied migration (merged from another branch?)`;
    if (options.strict) {
      throw new UserError(`${where}: ${message}`, {
        hint: 'Renumber the migration after the newest one, or run without --strict to apply it out of order.',
      });
    }
    warnings.push(`${message}; applying out of order`);
  }
  if (plan.missing.length > 0) {
    const ids = plan.missing.map((r) => r.name).join(', ');
    if (options.strict) {
      throw new UserError(`${where}: applied migrations have no file any more: ${ids}`, {
        hint: 'Restore the files (or check out the right branch).',
      });
    }
    warnings.push(`applied migrations have no file any more: ${ids}`);
  }
  return warnings;
}
