import type { ServiceSettings } from '../config/types.js';
import { connectionEnv } from '../database/connection/connection-env.js';
import type { CommandSpec } from '../lib/run-command.js';
import { maskSecret } from '../lib/secret-mask.js';
import type { TargetBase } from '../migrations/targets.js';
import { describeCommand } from '../migrations/tools/tool-process.js';
import { buildServiceEnv } from '../services/service-env.js';
import type { CheckRunSettings, CheckThrowaway } from './check-config.js';
import type { AppliedSchemas } from './check-report.js';

/** At most this many lines of a failed command's output in the report: its end says why. */
const SHOWN_OUTPUT_LINES = 30;

export interface CapturedRun {
  ok: boolean;
  /** "exit code 2", or why it did not run ("not found"). */
  how: string;
  /** stdout and stderr interleaved, secrets masked. */
  lines: string[];
}

/**
 * The environment a service's check commands run with: what the service itself gets under
 * `devup dev` (its env, envFile, the project's .env), pointed at the throwaway database and the
 * service's migrated schemas there.
 */
export async function throwawayServiceEnv(
  config: CheckRunSettings,
  db: CheckThrowaway,
  service: ServiceSettings,
  applied: AppliedSchemas,
): Promise<Record<string, string>> {
  const atThrowaway = db.config.services.find((s) => s.name === service.name) ?? service;
  const mine: TargetBase[] = applied.targets.filter((t) => t.service === service.name);
  // The plainest schema first (not walked up → down → up): it is what DEVUP_SCHEMA names.
  mine.sort((a, b) => Number(applied.prefer.has(b.schema)) - Number(applied.prefer.has(a.schema)));
  return buildServiceEnv(atThrowaway, {
    inherited: process.env,
    devup: connectionEnv(db.connection, atThrowaway, mine),
    dotenv: config.dotenv,
    color: false,
  });
}

/** Runs a command to its end, keeping its combined output; never throws for the command's failure. */
export async function runCaptured(
  command: CommandSpec,
  options: { cwd: string; env: Record<string, string>; secret: string; signal?: AbortSignal | undefined },
): Promise<CapturedRun> {
  const { execa } = await import('execa');
  const common = {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    all: true,
    reject: false,
    stdin: 'ignore' as const,
    ...(options.signal ? { cancelSignal: options.signal } : {}),
  };
  const result =
    'shell' in command
      ? await execa(command.shell, { ...common, shell: true })
      : await execa(command.argv[0] as string, command.argv.slice(1), common);
  const text = maskSecret(String(result.all ?? ''), options.secret).trimEnd();
  const lines = text === '' ? [] : text.split('\n');
  const how =
    result.exitCode !== undefined
      ? `exit code ${result.exitCode}`
      : (result as { code?: string }).code === 'ENOENT'
        ? `${describeCommand(command)}: not found`
        : (result.shortMessage ?? 'did not run');
  return { ok: !result.failed, how, lines };
}

/** The end of a command's output, indented for the report. */
export function outputTail(lines: readonly string[]): string[] {
  const shown = lines.slice(-SHOWN_OUTPUT_LINES).map((line) => `  │ ${line}`);
  return lines.length > SHOWN_OUTPUT_LINES
    ? [`  │ … ${lines.length - SHOWN_OUTPUT_LINES} lines before`, ...shown]
    : shown;
}
