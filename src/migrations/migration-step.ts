import pLimit from 'p-limit';
import type pg from 'pg';
import type { ResolvedConfig } from '../config/types.js';
import { type ConnectionInfo, connect, connectionError, isPgError, withClient } from '../database/connection.js';
import { serverErrorHint } from '../database/server-errors.js';
import { UserError } from '../errors.js';
import { quoteIdent } from '../lib/sql-quote.js';
import { type ApplyOptions, applyTarget, checkPlan, type MigrationEvent, type SqlTarget } from './apply.js';
import { applyDatabaseSetup, hasDatabaseSetup } from './database-setup.js';
import { planTargets } from './inspect.js';
import { isUpToDate, type TargetPlan } from './plan.js';
import { privilegeError } from './privilege-error.js';
import { collectTargets, type ServiceTargets, type TargetBase } from './targets.js';
import type { ToolCheck } from './tools/tool-runner.js';

/** External tools' adapters load only for projects that use one. */
const tools = () => import('./tools/tool-runner.js');

export type StepEvent =
  | { type: 'checked'; target: TargetBase; pending: string[]; upToDate: boolean }
  | { type: 'target-start'; target: TargetBase }
  | { type: 'target-done'; target: TargetBase; applied: string[]; ms: number }
  | { type: 'target-failed'; target: TargetBase; error: unknown }
  | { type: 'target-skipped'; target: TargetBase; reason: string }
  | { type: 'output'; target: TargetBase; line: string }
  | { type: 'database-setup'; database: string; done: string[] }
  | MigrationEvent;

export interface MigrationStepOptions {
  services?: string[] | undefined;
  tenant?: string | undefined;
  strict?: boolean | undefined;
  /** Only check: report what is pending, apply nothing. */
  checkOnly?: boolean | undefined;
  /**
   * Create a service's missing database (default). Off for an external server unless the config
   * says so (`database.createDatabases`): a deploy's role need not have CREATEDB.
   */
  createDatabases?: boolean | undefined;
  /** Create nothing either, not even a service's missing database (`status`); implies checkOnly. */
  readOnly?: boolean | undefined;
  concurrency?: number | undefined;
  onEvent?: (event: StepEvent) => void;
  /**
   * Called once every target is checked, before anything is applied (the UI sets up here; seeds
   * owed to fresh targets are recorded here, so a run that stops half-way still seeds them later).
   */
  onPlanned?: (
    targets: { target: TargetBase; pending: string[]; upToDate: boolean; fresh: boolean }[],
  ) => Promise<void> | void;
  signal?: AbortSignal | undefined;
  /** An open connection to the main database to check with (the warm path's); else one is opened. */
  client?: pg.Client | undefined;
  /** Applies one SQL target (default: applyTarget); `devup check` wraps it to walk up → down → up. */
  applySql?: typeof applyTarget;
}

export interface TargetOutcome {
  target: TargetBase;
  status: 'up-to-date' | 'applied' | 'pending' | 'failed' | 'skipped';
  /** Nothing had been applied to this target before this run (seed data goes only there). */
  fresh: boolean;
  applied: string[];
  pending: string[];
  error?: unknown;
}

export interface MigrationStepResult {
  outcomes: TargetOutcome[];
  /** The first failure, if any: what the command exits with. */
  failure: unknown;
  ms: number;
}

interface Work {
  service: ServiceTargets;
  target: TargetBase;
  sqlPlan?: TargetPlan;
  toolCheck?: ToolCheck;
  pending: string[];
}

/**
 * Creates the databases that services asked for (`database: 'auth'`) when missing, or, when
 * `create` is off, says which one is missing and stops.
 */
export async function ensureDatabases(
  client: pg.Client,
  wanted: { name: string; service: string }[],
  options: { create: boolean; where: string },
): Promise<void> {
  const names = [...new Set(wanted.map((w) => w.name))];
  if (names.length === 0) return;
  const { rows } = await client.query<{ datname: string }>('select datname from pg_database where datname = any($1)', [
    names,
  ]);
  const existing = new Set(rows.map((r) => r.datname));
  for (const name of names) {
    if (existing.has(name)) continue;
    if (!options.create) {
      const service = wanted.find((w) => w.name === name)?.service;
      throw new UserError(
        `database "${name}" (services.${service}.database) does not exist on ${options.where}, and devup creates no database on an external server`,
        {
          hint: `Create it with a role that may (create database ${quoteIdent(name)} owner <the migration role>), or set database.createDatabases: true.`,
        },
      );
    }
    try {
      await client.query(`create database ${quoteIdent(name)}`);
    } catch (error) {
      // Another devup process created it first (23505 when both were creating it at once).
      if (['42P04', '23505'].includes((error as { code?: string }).code ?? '')) continue;
      throw new UserError(
        `cannot create the database "${name}" (a service's \`database\`): ${(error as Error).message}`,
        {
          hint: 'Create it yourself, or give the database user the CREATEDB privilege.',
          cause: error,
        },
      );
    }
  }
}

/** `migrations.concurrency` of the service these works belong to. */
function serviceConcurrency(works: Work[]): number {
  return works[0]?.service.service.migrations?.concurrency ?? 4;
}

/** `database.extensions` and `database.init` in the main database and every service database. */
async function setUpDatabases(
  config: ResolvedConfig,
  admin: ConnectionInfo,
  client: pg.Client,
  ownDatabases: string[],
  emit: (event: StepEvent) => void,
): Promise<void> {
  const setup = config.databaseSetup;
  if (!hasDatabaseSetup(setup)) return;
  const report = (database: string, done: string[]) => {
    if (done.length > 0) emit({ type: 'database-setup', database, done });
  };
  report(admin.database, await applyDatabaseSetup(client, setup, config.root));
  for (const database of ownDatabases) {
    report(database, await withClient(admin, (c) => applyDatabaseSetup(c, setup, config.root), { database }));
  }
}

/**
 * The migration step of `devup dev` and `devup migrate`: check every target with one round
 * trip per database, then apply what is pending, dependencies first, independent targets in
 * parallel on a bounded pool.
 */
export async function runMigrationStep(
  config: ResolvedConfig,
  admin: ConnectionInfo,
  options: MigrationStepOptions = {},
): Promise<MigrationStepResult> {
  const started = performance.now();
  const emit = options.onEvent ?? (() => {});
  const outcomes = new Map<TargetBase, TargetOutcome>();
  const works: Work[] = [];

  const check = async (client: pg.Client) => {
    const services = await collectTargets(config, {
      services: options.services,
      tenant: options.tenant,
      query: (sql) => client.query(sql),
    });
    // Every service's own database, migrations or not: its DATABASE_URL must point somewhere real.
    const ownDatabases = config.services
      .filter((s) => !options.services || options.services.includes(s.name))
      .flatMap((s) => (s.database ? [{ name: s.database, service: s.name }] : []));
    // A database that does not exist yet has no history: read-only checks report it as all pending.
    if (!options.readOnly) {
      await ensureDatabases(client, ownDatabases, {
        create: options.createDatabases ?? true,
        where: `${admin.host}:${admin.port}`,
      });
    }
    if (!options.readOnly && !options.checkOnly) {
      await setUpDatabases(config, admin, client, [...new Set(ownDatabases.map((d) => d.name))], emit);
    }
    for (const { service, target, plan } of await planTargets(admin, client, services)) {
      if (plan) {
        const pending = plan.pending.map((m) => m.id);
        works.push({ service, target, sqlPlan: plan, pending });
        emit({ type: 'checked', target, pending, upToDate: isUpToDate(plan) });
      } else {
        const check = await (await tools()).checkToolTarget(config, service.service, target, admin, client);
        works.push({ service, target, toolCheck: check, pending: check.pending });
        emit({ type: 'checked', target, pending: check.pending, upToDate: check.upToDate });
      }
    }
  };
  if (options.client) await check(options.client);
  else await withClient(admin, check);

  const needsWork = (w: Work) => (w.sqlPlan ? !isUpToDate(w.sqlPlan) : w.toolCheck ? !w.toolCheck.upToDate : false);
  for (const w of works) {
    outcomes.set(w.target, {
      target: w.target,
      status: needsWork(w) ? 'pending' : 'up-to-date',
      fresh: w.sqlPlan ? w.sqlPlan.applied.length + w.sqlPlan.changed.length + w.sqlPlan.missing.length === 0 : false,
      applied: [],
      pending: w.pending,
    });
  }
  let failure: unknown;
  const markFailed = (target: TargetBase, error: unknown) => {
    failure ??= error;
    const outcome = outcomes.get(target);
    if (outcome) {
      outcome.status = 'failed';
      outcome.error = error;
    }
    emit({ type: 'target-failed', target, error });
  };
  // Drift, missing files and (with --strict) out-of-order are reported for up-to-date targets too;
  // targets with work are checked again inside their lock, where the history is exact.
  for (const w of works) {
    if (!w.sqlPlan || !w.service.migrations || needsWork(w)) continue;
    try {
      const target: SqlTarget = { ...w.target, migrations: w.service.migrations };
      for (const message of checkPlan(target, w.sqlPlan, options as ApplyOptions))
        emit({ type: 'warning', target, message });
    } catch (error) {
      markFailed(w.target, error);
    }
  }
  // A tool's files that contradict themselves (Alembic's several heads): an error under --strict,
  // else a warning before the tool runs into it.
  for (const w of works) {
    const problem = w.toolCheck?.filesProblem;
    if (!problem) continue;
    if (options.strict) {
      markFailed(
        w.target,
        new UserError(`${w.target.service}: ${problem}`, {
          hint: `--strict refuses to migrate ${w.target.schema} until the files are fixed.`,
        }),
      );
    } else emit({ type: 'warning', target: w.target, message: problem });
  }
  await options.onPlanned?.(
    works.map((w) => ({
      target: w.target,
      pending: w.pending,
      upToDate: !needsWork(w),
      fresh: outcomes.get(w.target)?.fresh ?? false,
    })),
  );
  if (options.checkOnly || options.readOnly) {
    return { outcomes: [...outcomes.values()], failure, ms: performance.now() - started };
  }

  // Dependencies first: a service's targets wait for its dependencies' targets.
  const serviceDone = new Map<string, Promise<boolean>>();
  const limit = pLimit(options.concurrency ?? 4);
  const runService = async (name: string): Promise<boolean> => {
    const existing = serviceDone.get(name);
    if (existing) return existing;
    const promise = (async () => {
      const service = config.services.find((s) => s.name === name);
      const deps = service?.dependsOn ?? [];
      const depsOk = (await Promise.all(deps.map((d) => runService(d)))).every(Boolean);
      const mine = works.filter(
        (w) => w.target.service === name && needsWork(w) && outcomes.get(w.target)?.status !== 'failed',
      );
      if (!depsOk) {
        for (const w of mine) {
          emit({ type: 'target-skipped', target: w.target, reason: 'a dependency failed' });
          const outcome = outcomes.get(w.target);
          if (outcome) outcome.status = 'skipped';
        }
        return false;
      }
      let ok = true;
      const runTarget = async (w: Work) => {
        try {
          if (options.signal?.aborted) return;
          emit({ type: 'target-start', target: w.target });
          const t0 = performance.now();
          let applied: string[];
          if (w.sqlPlan && w.service.migrations) {
            const sqlTarget: SqlTarget = { ...w.target, migrations: w.service.migrations };
            const client = await connect(admin, w.target.database ? { database: w.target.database } : {}).catch(
              (error) => {
                throw connectionError(admin, error, w.target.database);
              },
            );
            try {
              const database = w.target.database ? { database: w.target.database } : {};
              const result = await (options.applySql ?? applyTarget)(client, sqlTarget, {
                strict: options.strict ?? false,
                timeouts: { ...config.migrations, observe: () => connect(admin, database) },
                onEvent: emit,
                ...(options.signal ? { signal: options.signal } : {}),
              });
              applied = result.applied.map((a) => a.migration.id);
            } finally {
              await client.end().catch(() => {});
            }
          } else {
            applied = await (await tools()).runToolTarget(config, w.service.service, w.target, admin, {
              onOutput: (line) => emit({ type: 'output', target: w.target, line }),
              ...(options.signal ? { signal: options.signal } : {}),
            });
          }
          const outcome = outcomes.get(w.target);
          if (outcome) {
            outcome.status = 'applied';
            outcome.applied = applied;
          }
          emit({ type: 'target-done', target: w.target, applied, ms: performance.now() - t0 });
        } catch (caught) {
          // A server error that nothing above explained still gets a sentence, not a stack.
          const error =
            isPgError(caught) && !(caught instanceof UserError)
              ? (privilegeError(caught, w.target, admin) ??
                new UserError(`${w.target.schema}: ${caught.code}: ${caught.message}`, {
                  hint:
                    serverErrorHint(caught) ??
                    "Postgres refused one of devup's own queries for this schema (its history table, lock or search_path); the error above says why.",
                  cause: caught,
                }))
              : caught;
          ok = false;
          markFailed(w.target, error);
        }
      };
      // The first tenant runs alone: database-wide objects its migrations create (an extension,
      // a shared function) exist before the other tenants race to create them too.
      const [first, ...rest] = mine;
      if (first) await limit(() => runTarget(first));
      const perService = pLimit(serviceConcurrency(mine));
      await Promise.all(rest.map((w) => perService(() => limit(() => runTarget(w)))));
      return ok;
    })();
    serviceDone.set(name, promise);
    return promise;
  };
  await Promise.all([...new Set(works.map((w) => w.target.service))].map((name) => runService(name)));
  return { outcomes: [...outcomes.values()], failure, ms: performance.now() - started };
}
