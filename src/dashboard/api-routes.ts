import { UserError } from '../errors.js';
import type { DashboardModel } from './dashboard-model.js';
import type { DatabaseActions } from './database-actions.js';
import type { ResourceAction } from './resource-state.js';
import type { RollbackSelection } from './rollback-actions.js';
import type { SnapshotActions } from './snapshot-actions.js';

const ACTIONS: readonly ResourceAction[] = ['start', 'stop', 'restart'];

export interface DashboardParts {
  model: DashboardModel;
  database: DatabaseActions;
  snapshots: SnapshotActions;
}

/** `{ service, tenant, mode }` of a roll back or redo, from a query string or a POST's body. */
function rollbackSelection(input: Record<string, unknown>): RollbackSelection {
  const mode = String(input.mode ?? '');
  if (mode !== 'down' && mode !== 'redo') throw new UserError(`mode ${mode}: expected down or redo`);
  const service = String(input.service ?? '');
  const tenant = String(input.tenant ?? '');
  if (!service || !tenant) throw new UserError('a roll back or redo names one service and one tenant');
  return { service, tenant, mode };
}

/** The reads under /api/ (GET), each answered with JSON. */
export async function answerGet(parts: DashboardParts, url: URL): Promise<unknown> {
  const { model, database, snapshots } = parts;
  const list = (key: string) => (url.searchParams.get(key) ?? '').split(',').filter(Boolean);
  switch (url.pathname) {
    case '/api/state':
      return model.snapshot();
    case '/api/env':
      return model.environment(url.searchParams.get('resource') ?? '');
    case '/api/logs':
      return model.logs.lines(list('resources'));
    case '/api/database':
      return { cells: await database.matrix() };
    case '/api/database/connection':
      return database.connection(url.searchParams.get('schema') ?? '', url.searchParams.get('reveal') === '1');
    case '/api/database/pending-sql':
      return database.pendingSql(list('services'));
    case '/api/database/rollback-plan':
      return database.rollbackPlan(rollbackSelection(Object.fromEntries(url.searchParams)));
    case '/api/database/reset-plan':
      return database.resetPlan(list('services'));
    case '/api/snapshots':
      return snapshots.list();
    case '/api/schema':
      return database.schema();
    case '/api/activity':
      return database.activity();
    default:
      throw new UserError(`no such endpoint: ${url.pathname}`);
  }
}

/** The actions (POST of JSON); the server has refused them already in read-only mode. */
export async function answerPost(parts: DashboardParts, path: string, body: Record<string, unknown>): Promise<unknown> {
  const { model, database, snapshots } = parts;
  const services = Array.isArray(body.services) ? body.services.map(String) : [];
  const name = String(body.name ?? '');
  switch (path) {
    case '/api/action': {
      const action = String(body.action) as ResourceAction;
      if (!ACTIONS.includes(action)) throw new UserError(`unknown action ${String(body.action)}`);
      await model.act(String(body.resource), action);
      return { ok: true };
    }
    case '/api/database/apply':
      await database.apply(services);
      model.databaseChanged();
      return { ok: true };
    case '/api/database/rollback': {
      const rolledBack = await database.rollBack({ ...rollbackSelection(body), expected: String(body.expected ?? '') });
      model.databaseChanged();
      return { ok: true, rolledBack };
    }
    case '/api/database/reset': {
      const dropped = await database.reset(services);
      model.databaseChanged();
      return { ok: true, dropped };
    }
    case '/api/snapshots/save':
      return { ok: true, ...(await snapshots.save(name)) };
    case '/api/snapshots/restore': {
      const restored = await snapshots.restore(name, database.runner());
      model.databaseChanged();
      return { ok: true, ...restored };
    }
    case '/api/snapshots/remove':
      await snapshots.remove(name);
      return { ok: true };
    case '/api/activity/cancel':
      return { cancelled: await database.cancel(Number(body.pid)) };
    default:
      throw new UserError(`no such action: ${path}`);
  }
}
