import { dropTargetSchemas } from '../app/reset-items.js';
import type { MigrationStepSettings } from '../config/types.js';
import { type ConnectionInfo, connectionUrl, maskUrl } from '../database/connection/connection.js';
import type { RunningDatabase } from '../database/engine.js';
import { UserError } from '../errors.js';
import { cancelQuery, readActivity } from './activity.js';
import { type MatrixCell, pendingSql, readMatrix } from './database-matrix.js';
import { type RollbackSelection, rollBackOne, rollbackPlan } from './rollback-actions.js';
import { StatementStats } from './statement-stats.js';

/**
 * What the page's database panels read: the targets (matrix, pending SQL, schema docs), the project
 * root, and what a roll back or redo plans with (the migration step's settings).
 */
export type DatabasePanelSettings = MigrationStepSettings;

/** What the Database page needs from the running session: its migration runner. */
export interface SessionMigrations {
  /** Applies what is pending for these services (as the `m` key), seeds the `reseed` schemas, restarts the services. */
  request(services: readonly string[], options?: { asked?: boolean; reseed?: readonly string[] }): Promise<void>;
}

/**
 * The Database page's reads and actions. Apply and reset go through the session's own migration
 * runner, so they are queued behind a run under way and restart the services as a saved file does.
 */
export class DatabaseActions {
  readonly #config: DatabasePanelSettings;
  readonly #admin: ConnectionInfo;
  readonly #services: string[];
  #migrations: SessionMigrations | undefined;
  readonly #stats: StatementStats;

  constructor(config: DatabasePanelSettings, db: Pick<RunningDatabase, 'connection' | 'engine'>, services: string[]) {
    this.#config = config;
    this.#admin = db.connection;
    this.#services = services;
    this.#stats = new StatementStats(db.engine, db.connection);
  }

  attach(migrations: SessionMigrations): void {
    this.#migrations = migrations;
  }

  /** The Schema page: ER diagrams from the live database, and whether schema.dir matches them. */
  async schema() {
    const { readSchemaView } = await import('./schema-view.js');
    return readSchemaView(this.#config, this.#admin, await this.matrix());
  }

  activity() {
    return readActivity(this.#config, this.#admin, this.#stats);
  }

  cancel(pid: number) {
    return cancelQuery(this.#config, this.#admin, pid);
  }

  matrix(): Promise<MatrixCell[]> {
    return readMatrix(this.#config, this.#admin);
  }

  /** A target's connection string, its schema first on the search_path; the password masked unless asked. */
  async connection(schema: string, reveal: boolean): Promise<{ schema: string; url: string }> {
    const cell = (await this.matrix()).find((c) => c.schema === schema);
    if (!cell) throw new UserError(`no target with schema ${schema}`);
    const url = connectionUrl(this.#admin, { database: cell.database ?? this.#admin.database, searchPath: [schema] });
    return { schema, url: reveal ? url : maskUrl(url) };
  }

  pendingSql(services: string[]) {
    return pendingSql(this.#config, this.#admin, this.#checked(services));
  }

  async apply(services: string[]): Promise<void> {
    await this.#runner().request(this.#checked(services), { asked: true });
  }

  /**
   * What rolling back (or redoing) one tenant's newest migration runs: its down SQL or the tool's
   * command; for a redo, also what else of the service is pending now (the session's runner
   * applies all of it after the rollback, as "apply pending" does).
   */
  async rollbackPlan(selection: RollbackSelection) {
    this.#checked([selection.service]);
    const steps = await rollbackPlan(this.#config, this.#admin, selection);
    const alsoPending = selection.mode === 'redo' ? await this.pendingSql([selection.service]) : [];
    return { ...selection, steps, alsoPending: alsoPending.map((m) => `${m.label}: ${m.name}`) };
  }

  /** Rolls back one tenant's newest migration; a redo then migrates the service through the session's runner. */
  async rollBack(selection: RollbackSelection & { expected: string }): Promise<string[]> {
    this.#checked([selection.service]);
    const runner = selection.mode === 'redo' ? this.#runner() : undefined;
    const done = await rollBackOne(this.#config, this.#admin, selection);
    await runner?.request([selection.service], { asked: true });
    return done;
  }

  /** The schemas a reset of these services drops (the page names them before asking). */
  async resetPlan(services: string[]): Promise<{ database: string | undefined; schema: string }[]> {
    const chosen = this.#checked(services);
    const cells = await this.matrix();
    return cells.filter((c) => chosen.includes(c.service)).map((c) => ({ database: c.database, schema: c.schema }));
  }

  /**
   * Drops the services' schemas and rebuilds them as `devup reset --service` does: migrated again
   * from zero by the session's runner, then their seed data applied, then the services restarted.
   */
  async reset(services: string[]): Promise<string[]> {
    const runner = this.#runner();
    const plan = await this.resetPlan(services);
    const dropped = await dropTargetSchemas(this.#admin, plan);
    await runner.request(this.#checked(services), { asked: true, reseed: plan.map((p) => p.schema) });
    return dropped;
  }

  /** The session's runner, once the services are ready. */
  runner(): SessionMigrations {
    return this.#runner();
  }

  #runner(): SessionMigrations {
    if (!this.#migrations) throw new UserError('the services are not ready yet: try again in a moment');
    return this.#migrations;
  }

  #checked(services: string[]): string[] {
    const list = services.length === 0 ? this.#services : services;
    const unknown = list.filter((name) => !this.#services.includes(name));
    if (unknown.length > 0) throw new UserError(`no service with migrations named ${unknown.join(', ')}`);
    return list;
  }
}
