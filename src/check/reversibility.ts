import path from 'node:path';
import type pg from 'pg';
import { errorMessage, UserError } from '../errors.js';
import type { Migration } from '../migrations/migration.js';
import { type ApplyOptions, applyTarget, type SqlTarget, type TargetResult } from '../migrations/sql/apply.js';
import { HISTORY_TABLE } from '../migrations/sql/history.js';
import { rollbackTarget } from '../migrations/sql/rollback.js';
import {
  type CatalogFingerprint,
  compareFingerprints,
  type FingerprintDifference,
  readCatalogFingerprint,
} from '../schema/catalog-fingerprint.js';
import { type Finding, withHint } from './check-report.js';

/** At most this many differences are listed per migration; the rest are counted. */
const SHOWN_DIFFERENCES = 8;

/** One sentence per difference: "column orders.note still exists after down". */
export function describeDifference(difference: FingerprintDifference, phase: 'down' | 'reapply'): string {
  const { key, change } = difference;
  if (phase === 'down') {
    if (change === 'added') return `${key} still exists after down`;
    if (change === 'removed') return `${key} is gone after down (it existed before the migration)`;
    return `${key} differs after down: ${difference.expected} → ${difference.actual}`;
  }
  if (change === 'added') return `${key} exists after up → down → up but not after the first up`;
  if (change === 'removed') return `${key} is missing after up → down → up`;
  return `${key} differs after up → down → up: ${difference.expected} → ${difference.actual}`;
}

function differenceFinding(
  migration: Migration,
  differences: FingerprintDifference[],
  phase: 'down' | 'reapply',
): Finding {
  const lines = differences.map((d) => describeDifference(d, phase));
  const file = phase === 'down' ? (migration.down?.file ?? migration.up.file) : migration.up.file;
  return {
    severity: 'error',
    message: `${migration.id}: ${lines[0]}${lines.length > 1 ? ` (and ${lines.length - 1} more)` : ''}`,
    file,
    // One difference is all in the message; more are listed under it.
    details:
      lines.length === 1
        ? []
        : [
            ...lines.slice(0, SHOWN_DIFFERENCES).map((line) => `  ${line}`),
            ...(lines.length > SHOWN_DIFFERENCES ? [`  … ${lines.length - SHOWN_DIFFERENCES} more`] : []),
          ],
  };
}

function errorFinding(migration: Migration, what: string, error: unknown): Finding {
  // A failure without a position names its file alone, absolute: shown relative like the frames.
  const details = (error instanceof UserError ? withHint(error) : [errorMessage(error)]).map(
    (d) => `  ${path.isAbsolute(d) ? path.relative(process.cwd(), d) : d}`,
  );
  return {
    severity: 'error',
    message: `${migration.id}: ${what}: ${errorMessage(error)}`,
    file: (what.startsWith('down') ? migration.down?.file : undefined) ?? migration.up.file,
    line: frameLine(details),
    details,
  };
}

/** The line of a code frame's first line ("path/to/file.sql:12:5"). */
export function frameLine(details: readonly string[]): number | undefined {
  const match = /:(\d+):\d+$/.exec(details[0]?.trim() ?? '');
  return match ? Number(match[1]) : undefined;
}

/** Raised when a re-apply fails: the target is left below its newest migration. */
class ReapplyFailed extends UserError {}

/**
 * Applies a target's migrations one by one; each one that has a down goes up → down → up, and
 * the catalog after the down must equal the catalog before the up, and after the second up the
 * one after the first. Differences and failures become findings; the target ends fully applied
 * (unless a second up fails), so the other checks see the same schema as a plain apply.
 */
export function reversibilityWalk(findings: Finding[], onFinished: () => void = () => {}): typeof applyTarget {
  return async (client: pg.Client, target: SqlTarget, options: ApplyOptions = {}): Promise<TargetResult> => {
    const started = performance.now();
    const applied: TargetResult['applied'] = [];
    const fingerprint = () => readCatalogFingerprint(client, target.schema, [HISTORY_TABLE]);
    // The catalog before the current migration's up; read only for migrations that have a down.
    let before: CatalogFingerprint | undefined;
    for (const [index, migration] of target.migrations.entries()) {
      if (options.signal?.aborted) break;
      if (migration.down) before ??= await fingerprint();
      else before = undefined;
      const upTo: SqlTarget = { ...target, migrations: target.migrations.slice(0, index + 1) };
      const first = await applyTarget(client, upTo, options);
      applied.push(...first.applied);
      if (first.applied.length === 0 || !before) {
        before = undefined;
        continue;
      }
      const afterUp = await fingerprint();
      try {
        await rollbackTarget(client, upTo, { steps: 1 });
      } catch (error) {
        findings.push(errorFinding(migration, 'down failed', error));
        before = afterUp;
        continue; // the down ran in a transaction (or stopped): the up is still applied
      }
      const afterDown = await fingerprint();
      const undone = compareFingerprints(before, afterDown);
      if (undone.length > 0) findings.push(differenceFinding(migration, undone, 'down'));
      try {
        await applyTarget(client, upTo, options);
      } catch (error) {
        findings.push(errorFinding(migration, 'up failed after its down', error));
        throw new ReapplyFailed(
          `${target.schema}: stopped at ${migration.id}, which could not be applied again after its down (see reversibility)`,
          { cause: error },
        );
      }
      const afterReapply = await fingerprint();
      const redone = compareFingerprints(afterUp, afterReapply);
      if (redone.length > 0) findings.push(differenceFinding(migration, redone, 'reapply'));
      before = afterReapply;
    }
    if (!options.signal?.aborted) onFinished();
    return { target, applied, ms: performance.now() - started };
  };
}
