import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ResolvedConfig, ServiceSettings } from '../config/types.js';
import type { CopySettings } from '../copies/reset-template.js';
import type { RunningDatabase } from '../database/engine.js';
import { currentProcess } from '../process-identity.js';
import { logDir } from '../services/log-dir.js';
import type { LogSource } from '../services/log-prefixer.js';
import { MigrationWatcher, watchedMigrationDirs } from '../services/migration-watcher.js';
import type { ServiceEvent } from '../services/service-status.js';
import type { ServiceSupervisor } from '../services/service-supervisor.js';
import { forgetDashboardUrl, readDashboardRecord, writeDashboardRecord } from './dashboard-file.js';
import { DashboardModel } from './dashboard-model.js';
import { serveDashboard } from './dashboard-server.js';
import { DatabaseActions, type DatabasePanelSettings, type SessionMigrations } from './database-actions.js';
import { type InfraFeed, infraResourceSource } from './infra-resources.js';
import { SessionLogStore } from './log-store.js';
import { maskValue } from './mask-env.js';
import { PostgresResource } from './postgres-resource.js';
import type { ResourceSource } from './resource-state.js';
import { ServiceResources } from './service-resources.js';
import { SnapshotActions } from './snapshot-actions.js';

/** The first port tried when none is configured or remembered; a moved checkout adds its offset. */
export const DEFAULT_DASHBOARD_PORT = 4900;

/** What the dashboard reads: its panels' settings, where it remembers its port, and `ui`. */
export type DashboardSettings = DatabasePanelSettings & CopySettings & Pick<ResolvedConfig, 'ui'>;

export interface DashboardOptions {
  config: DashboardSettings;
  services: ServiceSettings[];
  db: RunningDatabase;
  supervisor: ServiceSupervisor;
  readOnly: boolean;
  /** The session's infra, when it runs some (its rows on the Resources page). */
  infra?: InfraFeed | undefined;
}

/** What the session hands the dashboard while it runs. */
export interface Dashboard {
  url: string;
  onEvent(event: ServiceEvent): void;
  onLines(service: string, source: LogSource, lines: string[]): void;
  /** The services are ready: the migration runner exists, the page may apply and reset. */
  attach(migrations: SessionMigrations): void;
  close(): Promise<void>;
}

/** The checkout's port offset (.devup/checkout.json of a moved checkout), 0 for the first one. */
function checkoutOffset(stateDir: string): number {
  try {
    const record = JSON.parse(readFileSync(path.join(stateDir, 'checkout.json'), 'utf8')) as { offset?: unknown };
    return typeof record.offset === 'number' ? record.offset : 0;
  } catch {
    return 0;
  }
}

/** Remembered port first (stays put across runs), else the configured or default one shifted with the checkout. */
function preferredPort(config: Pick<ResolvedConfig, 'stateDir' | 'ui'>): number {
  const remembered = readDashboardRecord(config.stateDir)?.port;
  if (remembered !== undefined && config.ui.port === undefined) return remembered;
  return (config.ui.port ?? DEFAULT_DASHBOARD_PORT) + checkoutOffset(config.stateDir);
}

/** Starts the dashboard of a `devup dev` (loaded only with --ui or `ui` in the config). */
export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const { config, services, db, supervisor } = options;
  const serviceResources = new ServiceResources(supervisor, services, { readOnly: options.readOnly });
  const infra = await infraResourceSource(options.infra);
  const sources: ResourceSource[] = [new PostgresResource(db), ...(infra ? [infra] : []), serviceResources];
  const model = new DashboardModel({
    sources,
    // The history comes from the files the supervisor writes for `devup logs` (one bounded buffer).
    logs: new SessionLogStore(logDir(config.stateDir), (text) => maskValue(text, db.connection.password)),
    readOnly: options.readOnly,
    password: db.connection.password,
  });
  const withMigrations = services.filter((s) => s.migrations).map((s) => s.name);
  const database = new DatabaseActions(config, db, withMigrations);
  const snapshots = new SnapshotActions(config, db.connection, withMigrations);
  const server = await serveDashboard({ model, database, snapshots }, preferredPort(config));
  // A saved, edited or deleted migration file: the Database page reads the state again. Started
  // beside the services (its first scan of the directories is not worth a delay of the ready table).
  const watcher =
    withMigrations.length > 0
      ? watchedMigrationDirs(services).then((dirs) =>
          MigrationWatcher.start(dirs, { onChange: () => model.databaseChanged(), onError: () => {} }),
        )
      : undefined;
  watcher?.catch(() => {});
  writeDashboardRecord(config.stateDir, {
    port: server.port,
    url: server.url,
    owner: currentProcess(),
    readOnly: options.readOnly,
  });
  return {
    url: server.url,
    onEvent: (event) => serviceResources.observe(event),
    onLines: (service, source, lines) => {
      model.addLines(service, source, lines);
      // devup's own line about a service comes with each change no event carries (keep-going's blocked).
      if (source === 'devup') serviceResources.changed();
    },
    attach: (migrations) => database.attach(migrations),
    async close() {
      model.close();
      infra?.close();
      await (await watcher?.catch(() => undefined))?.close();
      await server.close();
      forgetDashboardUrl(config.stateDir);
    },
  };
}
