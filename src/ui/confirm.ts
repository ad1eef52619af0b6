import { UserError } from '../errors.js';

/**
 * Asks a yes/no question on the terminal. Without a TTY (CI, pipes) there is nobody to ask:
 * refuse, and say which flag confirms.
 */
export async function confirm(question: string, options: { yes: boolean }): Promise<boolean> {
  if (options.yes) return true;
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw new UserError('refusing to destroy data without confirmation (no terminal to ask on)', {
      hint: 'Pass --yes to confirm.',
    });
  }
  const { createInterface } = await import('node:readline/promises');
  // The question goes to stderr, so stdout (JSON or a pipe) carries only results.
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${question} [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
