import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ServiceSettings } from '../config/types.js';
import { errorMessage } from '../errors.js';
import type { CommandSpec } from '../lib/run-command.js';
import type { TargetBase } from '../migrations/targets.js';
import { findProgram } from '../migrations/tools/tool-env.js';
import { prepareToolInvocation, type ToolInvocation } from '../migrations/tools/tool-invocation.js';
import { toolProgram, withArgs } from '../migrations/tools/tool-program.js';
import { DRIFT_MARKER, DRIFT_SCRIPT } from './alembic-drift-script.js';
import { outputTail, runCaptured } from './captured-command.js';
import type { CheckRunSettings, CheckThrowaway } from './check-config.js';
import type { AppliedSchemas, CheckResult, Finding } from './check-report.js';

interface Difference {
  kind: string;
  table?: string;
  column?: string;
  type?: string;
  text: string;
}

/**
 * The Python that runs the service's Alembic, read from how devup starts Alembic: `check.python`,
 * else what precedes `-m alembic` (`python3 -m alembic`, `poetry run python -m alembic`), else the
 * interpreter on the first line of an `alembic` script (a virtualenv's). Undefined when none of
 * these says (a wrapper script, `poetry run alembic`).
 */
export function pythonOf(
  program: CommandSpec,
  python: string | undefined,
  env: Record<string, string>,
  cwd: string,
): CommandSpec | undefined {
  if (python !== undefined) return { argv: [python] };
  if ('shell' in program) {
    const head = /^(.*?)\s+-m\s+alembic\b/.exec(program.shell)?.[1];
    return head ? { shell: head } : undefined;
  }
  const dashM = program.argv.findIndex((arg, i) => arg === '-m' && program.argv[i + 1] === 'alembic');
  if (dashM > 0) return { argv: program.argv.slice(0, dashM) };
  const file = program.argv.length === 1 ? findProgram(program.argv[0] as string, env.PATH ?? '', cwd) : undefined;
  if (!file) return undefined;
  let first = '';
  try {
    first = readFileSync(file, 'utf8').slice(0, 200).split('\n', 1)[0] ?? '';
  } catch {
    return undefined;
  }
  const shebang = /^#!\s*(\S+)(?:\s+(\S+))?\s*$/.exec(first);
  const interpreter = shebang?.[2] ? [shebang[1] as string, shebang[2]] : shebang?.[1] ? [shebang[1]] : [];
  return interpreter.some((part) => /python/.test(path.basename(part))) ? { argv: interpreter } : undefined;
}

/** The way out is said once, under the last difference. */
function differenceFindings(differences: readonly Difference[], envPy: string): Finding[] {
  const hint =
    "  hint: the models (env.py's target_metadata) have changes no migration carries: add a migration (alembic revision --autogenerate -m ...) or fix the model";
  return differences.map((d, i) => ({
    severity: 'error',
    message: d.text,
    file: envPy,
    details: i === differences.length - 1 ? [hint] : [],
  }));
}

type Outcome = { findings: Finding[]; note: string; skip?: boolean };

/** Through Alembic's API with the service's Python: one Python start. */
async function compareWithScript(
  invocation: ToolInvocation,
  python: CommandSpec,
  secret: string,
  signal: AbortSignal | undefined,
): Promise<Outcome> {
  const run = await runCaptured(withArgs(python, ['-c', DRIFT_SCRIPT]), {
    cwd: invocation.settings.cwd,
    env: invocation.env,
    secret,
    signal,
  });
  const answerLine = run.lines.find((line) => line.startsWith(DRIFT_MARKER));
  if (!run.ok || !answerLine) {
    return {
      findings: [
        {
          severity: 'error',
          message: `the model comparison did not run (${run.ok ? 'no answer' : run.how})`,
          details: outputTail(run.lines),
        },
      ],
      note: 'comparison failed',
    };
  }
  const answer = JSON.parse(answerLine.slice(DRIFT_MARKER.length)) as {
    metadata: boolean | null;
    differences: Difference[];
  };
  if (!answer.metadata)
    return { findings: [], note: "skipped: env.py's target_metadata is None (no models to compare)", skip: true };
  const envPy = path.join(path.dirname(invocation.context.migrationsDir), 'env.py');
  const findings = differenceFindings(answer.differences, envPy);
  return {
    findings,
    note:
      findings.length === 0
        ? 'the models match the migrated schema'
        : `${findings.length} difference${findings.length === 1 ? '' : 's'} between the models and the migrations`,
  };
}

/** `alembic check` itself (Alembic 1.9+), when devup cannot tell which Python runs it. */
async function compareWithAlembicCheck(
  invocation: ToolInvocation,
  program: CommandSpec,
  secret: string,
  signal: AbortSignal | undefined,
): Promise<Outcome> {
  const run = await runCaptured(withArgs(program, ['check']), {
    cwd: invocation.settings.cwd,
    env: invocation.env,
    secret,
    signal,
  });
  const text = run.lines.join('\n');
  if (run.ok) return { findings: [], note: 'alembic check: no new upgrade operations' };
  if (/invalid choice: 'check'/.test(text)) {
    return {
      findings: [],
      skip: true,
      note: 'skipped: this Alembic has no `alembic check` (1.9+) and devup cannot tell its Python: set check.python',
    };
  }
  if (/does not provide a MetaData object/.test(text))
    return { findings: [], skip: true, note: "skipped: env.py's target_metadata is None (no models to compare)" };
  const detected = text.match(/New upgrade operations detected: (.*)/)?.[1];
  return {
    findings: [
      {
        severity: 'error',
        message: detected
          ? `alembic check: the models have changes no migration carries: ${detected}`
          : `alembic check failed (${run.how})`,
        details: outputTail(run.lines),
      },
    ],
    note: 'the models and the migrations disagree',
  };
}

/**
 * The Alembic drift check of `devup check`: on the throwaway at head, the service's models
 * against the migrated schema, failing with each difference named (table, column, type).
 */
export async function alembicDrift(
  config: CheckRunSettings,
  db: CheckThrowaway,
  applied: AppliedSchemas,
  signal: AbortSignal | undefined,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const service of config.services) {
    if (service.migrations?.kind !== 'tool' || service.migrations.tool !== 'alembic' || service.check?.drift === false)
      continue;
    const started = performance.now();
    const push = (outcome: Outcome) =>
      results.push({
        service: service.name,
        check: 'drift',
        status: outcome.skip ? 'skip' : outcome.findings.length > 0 ? 'fail' : 'pass',
        note: outcome.note,
        findings: outcome.findings,
        ms: performance.now() - started,
      });
    const target = pickTarget(service, applied);
    if (!applied.ok || !target) {
      push({ findings: [], skip: true, note: 'skipped: the apply failed, so the schema is not at head' });
      continue;
    }
    push(await compareService(db, service, target, signal));
  }
  return results;
}

async function compareService(
  db: CheckThrowaway,
  service: ServiceSettings,
  target: TargetBase,
  signal: AbortSignal | undefined,
): Promise<Outcome> {
  const atThrowaway = db.config.services.find((s) => s.name === service.name) ?? service;
  try {
    const invocation = await prepareToolInvocation(db.config, atThrowaway, target, db.connection);
    const program = toolProgram(invocation.adapter, invocation.settings, service.name, invocation.context);
    const python = pythonOf(program, service.check?.python, invocation.env, invocation.settings.cwd);
    const secret = db.connection.password;
    return python
      ? await compareWithScript(invocation, python, secret, signal)
      : await compareWithAlembicCheck(invocation, program, secret, signal);
  } catch (error) {
    return {
      findings: [{ severity: 'error', message: `the model comparison did not run: ${errorMessage(error)}` }],
      note: 'comparison failed',
    };
  }
}

/** A schema of the service at head, not walked up → down → up where there is one. */
function pickTarget(service: ServiceSettings, applied: AppliedSchemas): TargetBase | undefined {
  const mine = applied.targets.filter((t) => t.service === service.name);
  return mine.find((t) => applied.prefer.has(t.schema)) ?? mine[0];
}
