/**
 * The two kinds of failure devup distinguishes. The top-level handler in
 * src/cli/main.ts is the only place that turns them into exit codes.
 */

/**
 * Exit codes: 0 ok; 1 a user-facing failure; 2 usage; 3 pending (`migrate status --exit-code`,
 * what a CI gate reads); 70 a bug in devup; 130 interrupted.
 */
export const EXIT = { ok: 0, failure: 1, usage: 2, pending: 3, bug: 70, interrupted: 130 } as const;

/** A problem the user can fix: printed as a message and a hint, never a stack. */
export class UserError extends Error {
  override readonly name = 'UserError';
  readonly hint: string | undefined;
  /** Extra lines shown under the message (a code frame, log lines, a list of problems). */
  readonly details: string[];
  readonly exitCode: number;

  constructor(
    message: string,
    options: { hint?: string; details?: string[]; cause?: unknown; exitCode?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
    this.details = options.details ?? [];
    this.exitCode = options.exitCode ?? EXIT.failure;
  }
}

/** Wrong flags or arguments on the command line (exit code 2). */
export class UsageError extends UserError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: EXIT.usage, ...(hint === undefined ? {} : { hint }) });
  }
}

/** Raised when the user interrupts (Ctrl-C) an operation that then unwinds cleanly. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  constructor() {
    super('interrupted');
  }
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
