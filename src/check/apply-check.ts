import path from 'node:path';
import type { ResolvedConfig } from '../config/types.js';
import { renderSchemaName } from '../config/validate.js';
import { withClient } from '../database/connection/connection.js';
import { errorMessage, UserError } from '../errors.js';
import type { Migration } from '../migrations/migration.js';
import { applyTarget } from '../migrations/sql/apply.js';
import { runMigrationStep, type TargetOutcome } from '../migrations/step/migration-step.js';
import type { TargetBase } from '../migrations/targets.js';
import { type CatalogFingerprint, readCatalogFingerprint } from '../schema/catalog-fingerprint.js';
import { ALEMBIC_HISTORY, alembicReversibility, type ToolReversibility } from './alembic-reversibility.js';
import type { CheckRunSettings, CheckThrowaway } from './check-config.js';
import { CheckProgress, span } from './check-progress.js';
import {
  type AppliedSchemas,
  CHECK_RETRY,
  type CheckResult,
  type Finding,
  plural,
  resultStatus,
  withHint,
} from './check-report.js';
import { reversibilityWalk } from './reversibility.js';

/** The frame's first line ("services/auth/migrations/0003_x.sql:12:5") as an absolute file and a line. */
export function frameLocation(details: readonly string[], cwd = process.cwd()): { file?: string; line?: number } {
  const match = /^(.+):(\d+):\d+$/.exec(details[0] ?? '');
  if (!match) return {};
  return { file: path.resolve(cwd, match[1] as string), line: Number(match[2]) };
}

/** Postgres's query_canceled: here, the statement timeout the check set. */
const CANCELED = '57014';

function timeoutNote(error: unknown, statementTimeoutMs: number | undefined): string[] {
  const cause = error instanceof Error ? error.cause : undefined;
  if ((cause as { code?: string } | undefined)?.code !== CANCELED || statementTimeoutMs === undefined) return [];
  return [
    `stopped by the check's statement timeout (${span(statementTimeoutMs)}): a migration that runs longer fails; raise check.statementTimeout or pass --statement-timeout`,
  ];
}

function outcomeFinding(outcome: TargetOutcome, statementTimeoutMs: number | undefined): Finding | undefined {
  if (outcome.status === 'skipped') {
    return { severity: 'error', message: `${outcome.target.schema}: not applied, a service it depends on failed` };
  }
  if (outcome.status !== 'failed') return undefined;
  const error = outcome.error;
  const details = error instanceof UserError ? withHint(error) : [];
  return {
    severity: 'error',
    message: errorMessage(error),
    ...frameLocation(details),
    details: [...details, ...timeoutNote(error, statementTimeoutMs)].map(
      (d) => `  ${path.isAbsolute(d) ? path.relative(process.cwd(), d) : d}`,
    ),
  };
}

/** The one target per service that walks up → down → up, and what it found. */
interface Walk {
  schema: string;
  started: boolean;
  findings: Finding[];
  finished: boolean;
}

/** SQL services with a down migration: the schema of the first tenant (in config order, so the report names the same one on every run). */
function sqlWalks(
  config: Pick<CheckRunSettings, 'services'>,
  migrations: ReadonlyMap<string, Migration[]>,
): Map<string, Walk> {
  const walked = new Map<string, Walk>();
  for (const service of config.services) {
    const files = migrations.get(service.name);
    if (service.migrations?.kind !== 'sql' || !files?.some((m) => m.down)) continue;
    const first = service.migrations.tenants.kind === 'list' ? service.migrations.tenants.tenants[0] : undefined;
    if (first === undefined) continue;
    const schema = renderSchemaName(service.migrations.schemaTemplate, service.name, first);
    walked.set(service.name, { schema, started: false, findings: [], finished: false });
  }
  return walked;
}

const baseKey = (target: TargetBase) => `${target.service}\0${target.database ?? ''}\0${target.schema}`;

/**
 * The schemas an Alembic walk may take down to base, as they are before the first upgrade: with
 * only what devup set up in them (extensions and init objects in `public`, for one).
 */
async function alembicBases(
  db: CheckThrowaway,
  targets: readonly TargetBase[],
): Promise<Map<string, CatalogFingerprint>> {
  const bases = new Map<string, CatalogFingerprint>();
  for (const target of targets) {
    const service = db.config.services.find((s) => s.name === target.service);
    if (service?.migrations?.kind !== 'tool' || service.migrations.tool !== 'alembic') continue;
    const database = target.database ?? db.connection.database;
    const base = await withClient(
      db.connection,
      (client) => readCatalogFingerprint(client, target.schema, [ALEMBIC_HISTORY]),
      { database },
    );
    bases.set(baseKey(target), base);
  }
  return bases;
}

/** Alembic services: the first tenant, once applied, walks down to base and up again. */
async function walkAlembicServices(
  db: CheckThrowaway,
  outcomes: readonly TargetOutcome[],
  options: { signal?: AbortSignal | undefined; bases: ReadonlyMap<string, CatalogFingerprint> },
): Promise<Map<string, ToolReversibility & { schema: string }>> {
  const walks = new Map<string, ToolReversibility & { schema: string }>();
  for (const service of db.config.services) {
    if (service.migrations?.kind !== 'tool' || service.migrations.tool !== 'alembic') continue;
    const first = outcomes.find((o) => o.target.service === service.name);
    if (!first || (first.status !== 'applied' && first.status !== 'up-to-date')) continue;
    const walk = await alembicReversibility(db.config, service, first.target, db.connection, {
      signal: options.signal,
      base: options.bases.get(baseKey(first.target)),
    });
    walks.set(service.name, { ...walk, schema: first.target.schema });
  }
  return walks;
}

function toolWalkResult(service: string, walk: ToolReversibility & { schema: string }, ms: number): CheckResult {
  if (walk.skipped) return { service, check: 'reversibility', status: 'skip', note: walk.skipped, findings: [], ms: 0 };
  return {
    service,
    check: 'reversibility',
    status: resultStatus(walk.findings),
    note: `${plural(walk.downs, 'revision')}, downgrade to base and upgrade again in ${walk.schema}`,
    findings: walk.findings,
    ms,
  };
}

/** One finding per distinct failure: every tenant runs the same files, so it usually fails alike. */
function sameFailureOnce(outcomes: readonly TargetOutcome[], statementTimeoutMs: number | undefined): Finding[] {
  const groups = new Map<string, { finding: Finding; schemas: string[] }>();
  for (const outcome of outcomes) {
    const finding = outcomeFinding(outcome, statementTimeoutMs);
    if (!finding) continue;
    const key = finding.details?.length
      ? `${finding.file}\0${finding.line}\0${finding.details.join('\n')}`
      : finding.message;
    const group = groups.get(key);
    if (group) group.schemas.push(outcome.target.schema);
    else groups.set(key, { finding, schemas: [] });
  }
  return [...groups.values()].map(({ finding, schemas }) =>
    schemas.length === 0 ? finding : { ...finding, message: `${finding.message} (also in ${schemas.join(', ')})` },
  );
}

/**
 * Step 1 and 3: every service's migrations from zero on the throwaway, through the same migration
 * step as `devup migrate`. One target per SQL service with down migrations (its first tenant)
 * walks up → down → up as it applies, which is the reversibility check.
 */
export async function applyAndReverse(
  db: CheckThrowaway,
  migrations: ReadonlyMap<string, Migration[]>,
  options: { signal?: AbortSignal | undefined; onProgress?: ((line: string) => void) | undefined },
): Promise<{ apply: CheckResult[]; reversibility: CheckResult[]; applied: AppliedSchemas }> {
  const started = performance.now();
  const config: CheckRunSettings = db.config;
  const statementTimeoutMs = config.migrations.statementTimeoutMs;
  const walked = sqlWalks(config, migrations);
  const progress = options.onProgress && new CheckProgress(options.onProgress, statementTimeoutMs ?? 0);
  progress?.start();
  let bases = new Map<string, CatalogFingerprint>();
  const step = await runMigrationStep(config, db.connection, {
    signal: options.signal,
    retry: CHECK_RETRY,
    ...(progress ? { onEvent: progress.onEvent } : {}),
    // After devup's database setup, before any upgrade: what the Alembic walks come back down to.
    onPlanned: async (planned) => {
      bases = await alembicBases(
        db,
        planned.map((p) => p.target),
      );
    },
    applySql: (client, target, applyOptions) => {
      const walk = walked.get(target.service);
      if (walk?.schema !== target.schema) return applyTarget(client, target, applyOptions);
      walk.started = true;
      return reversibilityWalk(walk.findings, () => {
        walk.finished = true;
      })(client, target, applyOptions);
    },
  }).finally(() => progress?.stop());
  const toolWalks = await walkAlembicServices(db, step.outcomes, { signal: options.signal, bases });
  const ms = performance.now() - started;
  const apply: CheckResult[] = [];
  const reversibility: CheckResult[] = [];
  for (const service of config.services) {
    const settings = service.migrations;
    if (!settings) continue;
    const outcomes = step.outcomes.filter((o) => o.target.service === service.name);
    const findings = sameFailureOnce(outcomes, statementTimeoutMs);
    const belowHead = toolWalks.get(service.name)?.belowHead;
    if (belowHead) findings.push({ severity: 'error', message: belowHead });
    const applied = Math.max(0, ...outcomes.map((o) => o.applied.length));
    apply.push({
      service: service.name,
      check: 'apply',
      status: resultStatus(findings),
      note: `${plural(outcomes.length, 'tenant')}, ${plural(applied, 'migration')}${outcomes.length > 1 ? ' each' : ''}`,
      findings,
      ms,
    });
    const toolWalk = toolWalks.get(service.name);
    reversibility.push(
      toolWalk
        ? toolWalkResult(service.name, toolWalk, ms)
        : reversibilityResult(service.name, settings, migrations.get(service.name), walked, ms),
    );
  }
  const walkedSchemas = new Set([...walked.values(), ...toolWalks.values()].map((w) => w.schema));
  const targets = step.outcomes.map((o) => o.target);
  const applied: AppliedSchemas = {
    ok: step.failure === undefined && step.outcomes.every((o) => o.status === 'applied' || o.status === 'up-to-date'),
    targets,
    prefer: new Set(targets.map((t) => t.schema).filter((schema) => !walkedSchemas.has(schema))),
  };
  return { apply, reversibility, applied };
}

function reversibilityResult(
  service: string,
  settings: NonNullable<ResolvedConfig['services'][number]['migrations']>,
  files: Migration[] | undefined,
  walked: ReadonlyMap<string, Walk>,
  ms: number,
): CheckResult {
  const skip = (note: string): CheckResult => ({
    service,
    check: 'reversibility',
    status: 'skip',
    note,
    findings: [],
    ms: 0,
  });
  if (settings.kind === 'tool') {
    return skip(
      settings.tool === 'alembic'
        ? 'not reached (the apply failed first)'
        : `not checked for ${settings.tool} (SQL engine and Alembic only)`,
    );
  }
  const walk = walked.get(service);
  if (!walk) return skip('no migration has a down');
  if (!walk.started) return skip('not reached (the apply failed first)');
  if (!walk.finished && walk.findings.length === 0) return skip(`not finished: the apply failed in ${walk.schema}`);
  const downs = files?.filter((m) => m.down).length ?? 0;
  return {
    service,
    check: 'reversibility',
    status: resultStatus(walk.findings),
    note: `${plural(downs, 'down')}, up → down → up in ${walk.schema}`,
    findings: walk.findings,
    ms,
  };
}
