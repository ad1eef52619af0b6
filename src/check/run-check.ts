import { withClient } from '../database/connection/connection.js';
import type { ProgressSink } from '../database/engine.js';
import { type ThrowawayEngine, withThrowawayDatabase } from '../database/throwaway/throwaway.js';
import { UserError } from '../errors.js';
import type { Migration } from '../migrations/migration.js';
import { applyAndReverse } from './apply-check.js';
import { type CheckRunSettings, type CheckThrowaway, checkTargetsConfig } from './check-config.js';
import {
  type AppliedSchemas,
  CHECK_KINDS,
  type CheckReport,
  type CheckResult,
  plural,
  resultStatus,
  summarise,
} from './check-report.js';
import { sqlConflicts, toolConflicts } from './conflicts.js';
import { type GitBase, openGitBase } from './git-base.js';
import { lintServices } from './lint/lint-check.js';
import { checkSchemaDocs } from './schema-docs-check.js';

export interface CheckOptions {
  engine: ThrowawayEngine;
  /** A git ref: migrations added since it are linted and must not sort below its newest. */
  base?: string | undefined;
  /** Lint every migration, not only those added since --base. */
  all?: boolean | undefined;
  signal?: AbortSignal | undefined;
  sink?: ProgressSink | undefined;
  /** Step 5, the committed schema docs against the migrated throwaway; reported as skipped when false. */
  schemaDocs?: boolean | undefined;
  /** Called once the database is ready, before the checks that need it. */
  onDatabase?: (db: CheckThrowaway) => void;
  /** statement_timeout for the migrations applied (--statement-timeout); else check.statementTimeout. */
  statementTimeoutMs?: number | undefined;
  /** Progress lines while migrations apply: which one runs when it takes long. */
  onProgress?: ((line: string) => void) | undefined;
}

/** Step 2 for every service: what its files say, before anything runs. */
function checkConflicts(
  config: CheckRunSettings,
  base: GitBase | undefined,
): { results: CheckResult[]; migrations: Map<string, Migration[]>; unreadable: Set<string> } {
  const results: CheckResult[] = [];
  const migrations = new Map<string, Migration[]>();
  const unreadable = new Set<string>();
  for (const service of config.services) {
    const settings = service.migrations;
    if (!settings) continue;
    const started = performance.now();
    let note: string;
    let findings: CheckResult['findings'];
    if (settings.kind === 'sql') {
      const found = sqlConflicts(settings.dir, base);
      findings = found.findings;
      if (found.migrations) migrations.set(service.name, found.migrations);
      else unreadable.add(service.name);
      note = found.migrations ? plural(found.migrations.length, 'migration') : 'migrations unreadable';
    } else {
      ({ findings, note } = toolConflicts(service, base));
    }
    if (base) note += `, compared with ${base.ref}`;
    results.push({
      service: service.name,
      check: 'conflicts',
      status: resultStatus(findings),
      note,
      findings,
      ms: performance.now() - started,
    });
  }
  return { results, migrations, unreadable };
}

function skipped(
  config: CheckRunSettings,
  check: CheckResult['check'],
  note: string,
  only?: ReadonlySet<string>,
): CheckResult[] {
  return config.services
    .filter((s) => s.migrations && (!only || only.has(s.name)))
    .map((s) => ({ service: s.name, check, status: 'skip' as const, note, findings: [], ms: 0 }));
}

/**
 * What runs against the schema at head once the migrations are checked: Alembic's models against
 * it, the services' generated files and their own commands. Loaded only where a service has any.
 */
async function checksAtHead(
  config: CheckRunSettings,
  db: CheckThrowaway,
  applied: AppliedSchemas,
  options: CheckOptions,
  migrations: ReadonlyMap<string, Migration[]>,
): Promise<CheckResult[]> {
  const alembic = config.services.some(
    (s) => s.migrations?.kind === 'tool' && s.migrations.tool === 'alembic' && s.check?.drift !== false,
  );
  const own = config.services.some((s) => (s.check?.commands.length ?? 0) + (s.check?.generated.length ?? 0) > 0);
  const bootstrap = config.services.some((s) => s.migrations?.bootstrap === 'schema');
  const results: CheckResult[] = [];
  if (bootstrap) {
    const { checkBootstraps } = await import('./bootstrap-check.js');
    results.push(...(await checkBootstraps(config, db, applied, migrations)));
  }
  if (alembic)
    results.push(...(await (await import('./alembic-drift.js')).alembicDrift(config, db, applied, options.signal)));
  if (own) {
    const { checkCommands, checkGenerated } = await import('./service-commands-check.js');
    const scope = { config, db, applied, signal: options.signal };
    results.push(...(await checkGenerated(scope)), ...(await checkCommands(scope)));
  }
  return results;
}

/**
 * `devup check`: on a throwaway Postgres, for every service with migrations, (1) apply from zero,
 * (2) conflicts, (3) reversibility, (4) lint, (5) schema files current. Returns one report; a
 * check that fails does not stop the others.
 */
export async function runCheck(config: CheckRunSettings, options: CheckOptions): Promise<CheckReport> {
  const started = performance.now();
  if (!config.services.some((s) => s.migrations)) {
    throw new UserError('no service has migrations configured: there is nothing to check', {
      hint: 'Add `migrations: { dir }` to a service.',
    });
  }
  // A wrong --base is an error before anything starts.
  const base = options.base === undefined ? undefined : openGitBase(config.root, options.base);
  const conflicts = checkConflicts(config, base);
  const statementTimeoutMs = options.statementTimeoutMs ?? config.check.statementTimeoutMs;
  const checkConfig = checkTargetsConfig(config, conflicts.unreadable, statementTimeoutMs);
  let description: string | undefined;
  const results = await withThrowawayDatabase(
    checkConfig,
    { engine: options.engine, signal: options.signal, sink: options.sink },
    async (db) => {
      description = db.description;
      options.onDatabase?.(db);
      const pgVersion = await withClient(
        db.connection,
        async (c) => (await c.query('show server_version')).rows[0]?.server_version,
      );
      const lint = lintServices(checkConfig, conflicts.migrations, {
        base,
        all: options.all ?? false,
        pgVersion: pgVersion?.split(' ')[0],
      });
      lint.catch(() => {});
      const { apply, reversibility, applied } = await applyAndReverse(db, conflicts.migrations, {
        signal: options.signal,
        onProgress: options.onProgress,
      });
      const schema = options.schemaDocs
        ? await checkSchemaDocs(config, db, applied)
        : skipped(config, 'schema', 'not checked');
      return [
        ...apply,
        ...reversibility,
        ...(await lint),
        ...schema,
        ...(await checksAtHead(config, db, applied, options, conflicts.migrations)),
      ];
    },
  );
  const unreadableRows = [
    ...skipped(config, 'apply', 'skipped: migrations unreadable (see conflicts)', conflicts.unreadable),
    ...skipped(config, 'reversibility', 'skipped: migrations unreadable (see conflicts)', conflicts.unreadable),
    ...skipped(config, 'lint', 'skipped: migrations unreadable (see conflicts)', conflicts.unreadable),
  ];
  const all = [...conflicts.results, ...results, ...unreadableRows];
  const order = new Map(config.services.map((s, i) => [s.name, i]));
  const ordered = all.sort(
    (a, b) =>
      (order.get(a.service) ?? 0) - (order.get(b.service) ?? 0) ||
      CHECK_KINDS.indexOf(a.check) - CHECK_KINDS.indexOf(b.check),
  );
  const summary = summarise(ordered);
  return {
    ok: summary.failed === 0,
    engine: options.engine,
    database: description,
    base: base?.ref,
    results: ordered,
    summary,
    ms: performance.now() - started,
  };
}
