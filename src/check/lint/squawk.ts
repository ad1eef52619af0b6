import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../../errors.js';

/** One squawk report entry, lines 1-based. */
export interface SquawkFinding {
  file: string;
  line: number;
  column: number;
  rule: string;
  message: string;
  help: string | undefined;
}

interface SquawkJson {
  file: string;
  line: number;
  column: number;
  message: string;
  help: string | null;
  rule_name: string;
}

/**
 * squawk's own binary, from the platform package its npm wrapper depends on (no install script
 * needed). Spawning it directly skips the wrapper's extra Node process.
 */
export function squawkBinary(): string {
  const platformPackage = `@squawk-cli/${os.platform()}-${os.arch()}`;
  const binary = os.platform() === 'win32' ? 'squawk.exe' : 'squawk';
  let wrapper: string;
  try {
    wrapper = createRequire(import.meta.url).resolve('squawk-cli/package.json');
  } catch (error) {
    throw new UserError('the SQL linter squawk is not installed (npm package squawk-cli, next to devup)', {
      hint: 'Reinstall devup with its dependencies (`npm ci`).',
      cause: error,
    });
  }
  try {
    return createRequire(wrapper).resolve(`${platformPackage}/bin/${binary}`);
  } catch (error) {
    throw new UserError(
      `squawk has no binary for ${os.platform()}-${os.arch()}: ${platformPackage} is not installed next to ${path.dirname(wrapper)}`,
      {
        hint: 'Reinstall with optional dependencies (`npm ci --include=optional`); lint runs only with --base or --all.',
        cause: error,
      },
    );
  }
}

/** Lints files with squawk; `inTransaction` tells it each file runs inside a transaction. */
export function runSquawk(
  files: readonly string[],
  options: { inTransaction: boolean; pgVersion?: string | undefined; binary?: string },
): Promise<SquawkFinding[]> {
  if (files.length === 0) return Promise.resolve([]);
  const args = [
    '--reporter',
    'json',
    options.inTransaction ? '--assume-in-transaction' : '--no-assume-in-transaction',
    ...(options.pgVersion ? ['--pg-version', options.pgVersion] : []),
    ...files,
  ];
  const binary = options.binary ?? squawkBinary();
  return new Promise((resolve, reject) => {
    execFile(binary, args, { maxBuffer: 64 << 20, encoding: 'utf8' }, (error, stdout, stderr) => {
      // Exit 1 means "found something"; anything else without JSON is squawk failing.
      let parsed: SquawkJson[];
      try {
        parsed = JSON.parse(stdout) as SquawkJson[];
      } catch (parseError) {
        reject(
          new UserError(`squawk failed (${binary})`, {
            details: [stderr.trim() || (error?.message ?? String(parseError))],
            cause: error ?? parseError,
          }),
        );
        return;
      }
      resolve(
        parsed.map((f) => ({
          file: f.file,
          line: f.line + 1,
          column: f.column + 1,
          rule: f.rule_name,
          message: f.message,
          help: f.help ?? undefined,
        })),
      );
    });
  });
}
