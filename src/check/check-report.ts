import type { UserError } from '../errors.js';
import type { TargetBase } from '../migrations/targets.js';

/**
 * The checks `devup check` runs, in the order they are shown: five for every service with
 * migrations, then those a service asks for (`services.NAME.check`) and Alembic's model drift.
 */
export const CHECK_KINDS = [
  'conflicts',
  'apply',
  'reversibility',
  'lint',
  'schema',
  'bootstrap',
  'drift',
  'generated',
  'commands',
] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

/** One thing a check found, pointing at a file (and line) where it can. */
export interface Finding {
  severity: 'error' | 'warning';
  message: string;
  /** Absolute path of the file concerned. */
  file?: string | undefined;
  /** 1-based line in `file`. */
  line?: number | undefined;
  /** A squawk rule name, for lint findings. */
  rule?: string | undefined;
  /** Lines shown under the message: a code frame, a diff, squawk's help. */
  details?: string[] | undefined;
}

export interface CheckResult {
  service: string;
  check: CheckKind;
  /** fail: an error finding; warn: warnings only; skip: did not run (see `note`). */
  status: 'pass' | 'fail' | 'warn' | 'skip';
  /** One line for people: "3 tenants, 6 migrations" or why it was skipped. */
  note: string;
  findings: Finding[];
  ms: number;
}

export interface CheckReport {
  ok: boolean;
  engine: string;
  /** The throwaway's description; undefined when no check needed a database. */
  database: string | undefined;
  base: string | undefined;
  results: CheckResult[];
  summary: { passed: number; failed: number; warned: number; skipped: number };
  ms: number;
}

export function resultStatus(findings: readonly Finding[]): CheckResult['status'] {
  if (findings.some((f) => f.severity === 'error')) return 'fail';
  return findings.length > 0 ? 'warn' : 'pass';
}

export function summarise(results: readonly CheckResult[]): CheckReport['summary'] {
  const count = (status: CheckResult['status']) => results.filter((r) => r.status === status).length;
  return { passed: count('pass'), failed: count('fail'), warned: count('warn'), skipped: count('skip') };
}

/** What the apply left on the throwaway, for step 5. */
export interface AppliedSchemas {
  /** Every target applied without failure. */
  ok: boolean;
  targets: TargetBase[];
  /** Schemas that were not walked up → down → up: the plainest source of each service's schema. */
  prefer: Set<string>;
}

/** "1 migration", "3 migrations". */
export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** A user error's detail lines and its hint (where devup looked for a tool, how to fix a file). */
export function withHint(error: UserError): string[] {
  return error.hint ? [...error.details, `hint: ${error.hint}`] : error.details;
}

/** What a failed tool run inside check tells to run again: the check, on its throwaway Postgres. */
export const CHECK_RETRY = 'devup check again';
