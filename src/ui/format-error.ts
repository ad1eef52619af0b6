import { EXIT, InterruptedError, isUserError } from '../errors.js';
import type { Output } from './output.js';

/** The top-level error report: a user's mistake gets message + hint; a bug gets its stack. */
export function formatError(error: unknown, output: Output, verbose: boolean): { text: string; exitCode: number } {
  if (error instanceof InterruptedError)
    return { text: output.style('yellow', 'Interrupted.'), exitCode: EXIT.interrupted };
  if (isUserError(error)) {
    const lines = [`${output.style('red', '✗')} ${output.style('bold', error.message)}`];
    for (const detail of error.details) lines.push(detail);
    if (error.hint) lines.push(`${output.style('cyan', '→')} ${error.hint}`);
    if (verbose && error.cause instanceof Error && error.cause.stack) {
      lines.push(output.style('gray', `caused by: ${error.cause.stack}`));
    }
    return { text: lines.join('\n'), exitCode: error.exitCode };
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return {
    text: [
      `${output.style('red', '✗')} ${output.style('bold', 'devup hit a bug (this is not your fault):')}`,
      stack,
      'Please report it with the command you ran and this output.',
    ].join('\n'),
    exitCode: EXIT.bug,
  };
}

/** The same report as a JSON object, for --json. */
export function errorEvent(error: unknown): Record<string, unknown> {
  if (error instanceof InterruptedError) return { event: 'error', kind: 'interrupted', message: 'interrupted' };
  if (isUserError(error)) {
    return { event: 'error', kind: 'user', message: error.message, details: error.details, hint: error.hint ?? null };
  }
  return {
    event: 'error',
    kind: 'bug',
    message: error instanceof Error ? error.message : String(error),
    stack: (error as Error)?.stack ?? null,
  };
}
