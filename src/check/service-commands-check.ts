import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ServiceSettings } from '../config/types.js';
import type { CommandSpec } from '../lib/run-command.js';
import { describeCommand } from '../migrations/tools/tool-process.js';
import { outputTail, runCaptured, throwawayServiceEnv } from './captured-command.js';
import type { CheckRunSettings, CheckThrowaway } from './check-config.js';
import {
  type AppliedSchemas,
  type CheckKind,
  type CheckResult,
  type Finding,
  plural,
  resultStatus,
} from './check-report.js';
import { unifiedDiff } from './schema-docs-check.js';

interface Scope {
  config: CheckRunSettings;
  db: CheckThrowaway;
  applied: AppliedSchemas;
  signal?: AbortSignal | undefined;
}

function row(service: string, check: CheckKind, note: string, findings: Finding[], started: number): CheckResult {
  const status = resultStatus(findings);
  return { service, check, status, note, findings, ms: performance.now() - started };
}

function withCheck(
  config: Pick<CheckRunSettings, 'services'>,
  has: (s: ServiceSettings) => boolean,
): ServiceSettings[] {
  return config.services.filter((s) => s.check && has(s));
}

async function run(scope: Scope, service: ServiceSettings, command: CommandSpec) {
  const env = await throwawayServiceEnv(scope.config, scope.db, service, scope.applied);
  return runCaptured(command, { cwd: service.cwd, env, secret: scope.db.connection.password, signal: scope.signal });
}

/**
 * `services.NAME.check.commands`: each command against the throwaway database at head, with the
 * service's environment pointed there; a non-zero exit fails the check with the command's output.
 */
export async function checkCommands(scope: Scope): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const service of withCheck(scope.config, (s) => (s.check?.commands.length ?? 0) > 0)) {
    const started = performance.now();
    const commands = service.check?.commands ?? [];
    if (!scope.applied.ok) {
      results.push({
        ...row(service.name, 'commands', 'skipped: the apply failed, so the database is not at head', [], started),
        status: 'skip',
      });
      continue;
    }
    const findings: Finding[] = [];
    for (const command of commands) {
      const outcome = await run(scope, service, command);
      if (outcome.ok) continue;
      findings.push({
        severity: 'error',
        message: `\`${describeCommand(command)}\` failed (${outcome.how})`,
        details: outputTail(outcome.lines),
      });
    }
    const note =
      findings.length === 0
        ? `${plural(commands.length, 'command')} passed at head`
        : `${findings.length} of ${plural(commands.length, 'command')} failed`;
    results.push(row(service.name, 'commands', note, findings, started));
  }
  return results;
}

/** The files as they are before the generator runs: put back afterwards, whatever it wrote. */
function readFiles(files: readonly string[]): Map<string, string | undefined> {
  return new Map(files.map((file) => [file, existsSync(file) ? readFileSync(file, 'utf8') : undefined]));
}

function putBack(before: Map<string, string | undefined>): void {
  for (const [file, text] of before) {
    if (text === undefined) rmSync(file, { force: true });
    else if (!existsSync(file) || readFileSync(file, 'utf8') !== text) writeFileSync(file, text);
  }
}

/** One generator: run it, read what it wrote, put the committed files back, and compare. */
async function checkGenerator(
  scope: Scope,
  service: ServiceSettings,
  generator: { command: CommandSpec; files: string[] },
): Promise<Finding[]> {
  const shown = describeCommand(generator.command);
  const committed = readFiles(generator.files);
  let outcome: Awaited<ReturnType<typeof run>>;
  let written: Map<string, string | undefined>;
  try {
    outcome = await run(scope, service, generator.command);
    written = readFiles(generator.files);
  } finally {
    // `devup check` writes nothing: the working tree is left as it was found.
    putBack(committed);
  }
  if (!outcome.ok) {
    return [
      {
        severity: 'error',
        message: `generator \`${shown}\` failed (${outcome.how})`,
        details: outputTail(outcome.lines),
      },
    ];
  }
  const findings: Finding[] = [];
  for (const file of generator.files) {
    const label = path.relative(scope.config.root, file) || file;
    const actual = committed.get(file);
    const expected = written.get(file);
    if (expected === undefined) {
      findings.push({ severity: 'error', message: `${label}: the generator \`${shown}\` did not write it`, file });
    } else if (actual !== expected) {
      findings.push({
        severity: 'error',
        message: `${label} ${actual === undefined ? 'is missing' : 'is out of date'}: regenerate it with \`${shown}\` (in ${path.relative(scope.config.root, service.cwd) || '.'}, against a database at head) and commit it`,
        file,
        details: unifiedDiff(label, { file: label, actual, expected }).map((line) => `  ${line}`),
      });
    }
  }
  return findings;
}

/**
 * `services.NAME.check.generated`: each generator run against the throwaway at head; the files
 * it writes must equal the committed ones (a unified diff and the command to regenerate, as for
 * the schema docs). The committed files are restored afterwards.
 */
export async function checkGenerated(scope: Scope): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const service of withCheck(scope.config, (s) => (s.check?.generated.length ?? 0) > 0)) {
    const started = performance.now();
    const generators = service.check?.generated ?? [];
    if (!scope.applied.ok) {
      results.push({
        ...row(service.name, 'generated', 'skipped: the apply failed, so the database is not at head', [], started),
        status: 'skip',
      });
      continue;
    }
    const findings: Finding[] = [];
    for (const generator of generators) findings.push(...(await checkGenerator(scope, service, generator)));
    const files = generators.flatMap((g) => g.files).map((f) => path.relative(scope.config.root, f) || f);
    const note =
      findings.length === 0
        ? `${files.join(', ')} ${files.length === 1 ? 'is' : 'are'} current`
        : `${files.join(', ')} differ${files.length === 1 ? 's' : ''} from the generator's output`;
    results.push(row(service.name, 'generated', note, findings, started));
  }
  return results;
}
