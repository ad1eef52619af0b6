import type { MigrationStepSettings, ResolvedConfig, ServiceSettings } from '../../config/types.js';
import type { ConnectionInfo } from '../../database/connection/connection.js';
import { InterruptedError } from '../../errors.js';
import { MigrationWatcher, watchedMigrationDirs } from '../../services/migration-watcher.js';
import type { ServiceSupervisor } from '../../services/service-supervisor.js';
import { formatError } from '../../ui/format-error.js';
import type { Output } from '../../ui/output.js';
import type { CommandContext } from '../context.js';
import type { Interrupts } from '../interrupts.js';
import { type DevKeyAction, devKeysHint, listenForDevKeys } from './dev-keys.js';
import { LiveMigrations } from './live-migrations.js';

export interface LiveSessionOptions {
  ctx: CommandContext;
  config: MigrationStepSettings & Pick<ResolvedConfig, 'watch'>;
  services: ServiceSettings[];
  admin: ConnectionInfo;
  supervisor: ServiceSupervisor;
  interrupts: Interrupts;
  /** false with --skip-migrations: nothing is applied unless asked (`m`). */
  watch: boolean;
  /** Rewrite the schema docs after applying (schema.refresh, and a local database). */
  refreshSchema: boolean;
  /** Keep-going mode: the key hint says what `r` restarts. */
  keepGoing?: boolean;
}

/** What runs beside the services once they are ready: the migration watcher and the keys. */
export interface LiveSession {
  /** Lines for the ready message (what is watched, which keys do what). */
  lines: string[];
  /** The session's migration runner (the dashboard applies and resets through it). */
  migrations: LiveMigrations;
  /** Stops watching and reading keys (the terminal back as it was); waits for a run under way. */
  close(): Promise<void>;
}

export async function startLiveSession(options: LiveSessionOptions): Promise<LiveSession> {
  const { ctx, config, services, supervisor, interrupts } = options;
  const { output } = ctx;
  const live = new LiveMigrations({
    output,
    config,
    services,
    admin: options.admin,
    supervisor,
    signal: interrupts.signal,
    afterApplied: options.refreshSchema
      ? async (result) => {
          const { refreshSchemaFiles } = await import('./prepare-database.js');
          // A live run migrates the changed services only: the others' targets are looked up anew.
          await refreshSchemaFiles(ctx, config, options.admin, result, false);
        }
      : undefined,
  });
  const withMigrations = services.filter((s) => s.migrations).map((s) => s.name);
  const lines: string[] = [];
  let watcher: MigrationWatcher | undefined;
  if (options.watch && config.watch && withMigrations.length > 0) {
    watcher = await MigrationWatcher.start(await watchedMigrationDirs(services), {
      onChange: (names) => void live.request(names),
      onError: (error) => output.warn(`Watching the migration directories failed: ${error.message}`),
    });
    lines.push(`Watching the migrations of ${withMigrations.join(', ')}: a new one is applied as it is saved.`);
  }
  const report = (error: unknown) => {
    if (!(error instanceof InterruptedError)) output.line(formatError(error, output, output.verbose).text);
  };
  const onKey = (action: DevKeyAction) => {
    switch (action) {
      case 'restart':
        // Keep-going with a service down: that one (and what waits for it), else every service.
        supervisor.restart(supervisor.restartTargets()).catch(report);
        return;
      case 'migrate':
        void live.request(withMigrations, { asked: true });
        return;
      case 'status':
        printStatus(output, supervisor);
        return;
      case 'clear':
        output.write('\u001b[2J\u001b[3J\u001b[H');
        return;
      case 'quit':
        interrupts.interrupt();
        return;
    }
  };
  const stopKeys = listenForDevKeys(output, onKey);
  lines.push(stopKeys ? devKeysHint(output, { keepGoing: options.keepGoing }) : 'Press Ctrl-C to stop the services.');
  return {
    lines,
    migrations: live,
    async close() {
      stopKeys?.();
      await watcher?.close();
      await live.idle();
    },
  };
}

function printStatus(output: Output, supervisor: ServiceSupervisor): void {
  const services = supervisor.states();
  const width = Math.max(...services.map((s) => s.name.length));
  for (const s of services) {
    const pid = s.pid === undefined ? '' : `pid ${s.pid}`;
    output.line(`  ${s.name.padEnd(width)}  ${s.status.padEnd(10)}  ${pid.padEnd(10)}  ${s.url ?? ''}`.trimEnd());
  }
}
