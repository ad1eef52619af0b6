import v8 from 'node:v8';
import type { MigrationStepSettings, ResolvedConfig, ServiceSettings } from '../../config/types.js';
import type { Dashboard, DashboardSettings } from '../../dashboard/dashboard.js';
import { connectionEnv } from '../../database/connection/connection-env.js';
import { EXIT, InterruptedError } from '../../errors.js';
import { formatDuration } from '../../lib/format.js';
import { secretMasker } from '../../lib/secret-mask.js';
import { devSessionFile } from '../../services/dev-session.js';
import { logDir } from '../../services/log-dir.js';
import type { ServiceEvent } from '../../services/service-status.js';
import type { ServiceSupervisor, StartedServices } from '../../services/service-supervisor.js';
import type { CommandContext } from '../context.js';
import type { Interrupts } from '../interrupts.js';
import type { DevInfra } from './dev-infra.js';
import type { LiveSession } from './live-session.js';
import type { PreparedDatabase } from './prepare-database.js';

/** What running the services reads: the dashboard's settings, the live session's, and the supervisor's. */
export type ServicesRunSettings = DashboardSettings &
  MigrationStepSettings &
  Pick<ResolvedConfig, 'watch' | 'dotenv' | 'onServiceExit'>;

/** Step 3 of `devup dev`: start the services, supervise them until Ctrl-C, stop them all. */
export async function startServices(
  ctx: CommandContext,
  config: ServicesRunSettings,
  services: ServiceSettings[],
  prepared: PreparedDatabase,
  interrupts: Interrupts,
  options: {
    watch: boolean;
    session: string;
    keepGoing: boolean;
    ui?: { readOnly: boolean } | undefined;
    infra?: DevInfra | undefined;
  },
): Promise<number> {
  const { output } = ctx;
  const runnable = services.filter((s) => s.command);
  if (runnable.length === 0) {
    output.line(`No service has a command to start; the database${options.infra ? ' and infra are' : ' is'} ready.`);
    return 0;
  }
  boundYoungGeneration();
  let dashboard: Dashboard | undefined;
  const supervisor = await createSupervisor(ctx, config, services, prepared, {
    ...options,
    dashboard: options.ui ? () => dashboard : undefined,
  });
  // First Ctrl-C: stop cleanly, dependents first. A second one: kill everything now.
  let stopping: Promise<void> | undefined;
  interrupts.onSignal((count) => {
    if (count === 1) output.line(output.style('yellow', 'Stopping services (Ctrl-C again to kill them now)...'));
    stopping = supervisor.stop();
  });

  const started = performance.now();
  let live: LiveSession | undefined;
  let closeWatch: (() => void) | undefined;
  try {
    // Before the services start, so the page has their first lines; loaded only when asked for.
    if (options.ui)
      dashboard = await openDashboard(config, services, prepared, supervisor, options.ui.readOnly, options.infra);
    reportReady(ctx, await interrupts.race(supervisor.start()), started, dashboard?.url, options.infra?.rows);
    closeWatch = await options.infra?.watch(output);
    const { startLiveSession } = await import('./live-session.js');
    live = await startLiveSession({
      ctx,
      config,
      services,
      admin: prepared.db.connection,
      supervisor,
      interrupts,
      watch: options.watch,
      // As after the migration step: local work only, never an external server's.
      refreshSchema: config.schema.refresh && prepared.db.engine !== 'external',
      keepGoing: options.keepGoing,
    });
    dashboard?.attach(live.migrations);
    for (const line of live.lines) output.line(line);
  } catch (error) {
    closeWatch?.();
    await live?.close();
    await dashboard?.close();
    await (stopping ?? supervisor.stop());
    if (error instanceof InterruptedError) return finish(ctx, prepared, EXIT.interrupted, options.infra);
    throw error;
  }

  const end = await Promise.race([
    supervisor.finished,
    interrupts.interrupted.catch(() => ({ reason: 'interrupted' as const })),
  ]);
  closeWatch?.();
  // A restart under way ends with the supervisor; a migration under way finishes its target.
  await Promise.all([live.close(), stopping ?? supervisor.stop()]);
  await dashboard?.close();
  if (end.reason === 'stop-all' && end.error) throw end.error;
  if (end.reason === 'all-exited' && end.failed.length > 0) return finish(ctx, prepared, 1, options.infra);
  return finish(ctx, prepared, 0, options.infra);
}

/** The supervisor of this session, its lines masked and (with the dashboard) handed to the page too. */
async function createSupervisor(
  ctx: CommandContext,
  config: Pick<ResolvedConfig, 'dotenv' | 'onServiceExit' | 'stateDir'>,
  services: ServiceSettings[],
  prepared: PreparedDatabase,
  options: {
    session: string;
    keepGoing: boolean;
    dashboard: (() => Dashboard | undefined) | undefined;
    infra?: DevInfra | undefined;
  },
): Promise<ServiceSupervisor> {
  const { ServiceSupervisor } = await import('../../services/service-supervisor.js');
  const { output } = ctx;
  // Infra passwords too: a service may log the URL it was given. The page masks the database's.
  const infraSecrets = (options.infra?.started ?? []).map((s) => s.entry.password).filter((p) => p !== '');
  const masks = [prepared.db.connection.password, ...infraSecrets].map((secret) => secretMasker(secret));
  const mask = (text: string) => masks.reduce((masked, m) => m(masked), text);
  const forPage = infraSecrets.length > 0 ? (lines: string[]) => lines.map(mask) : (lines: string[]) => lines;
  const schemasOf = (service: ServiceSettings) =>
    prepared.targets.filter((t) => t.service === service.name).map((t) => ({ tenant: t.tenant, schema: t.schema }));
  const dashboard = options.dashboard;
  return new ServiceSupervisor({
    services,
    env: (service) => connectionEnv(prepared.db.connection, service, schemasOf(service)),
    dotenv: config.dotenv,
    ...(options.infra ? { infra: options.infra.values } : {}),
    // Passwords never reach the screen, even when a service logs its DATABASE_URL.
    // --json: every log line becomes an event, so stdout stays one JSON object per line.
    write:
      output.mode === 'json'
        ? (text) => {
            let events = '';
            for (const line of mask(text).split('\n'))
              if (line) events += `${JSON.stringify({ event: 'log', line })}\n`;
            output.writeLog(events);
          }
        : (text) => output.writeLog(mask(text)),
    color: output.color,
    onEvent: (event) => {
      dashboard?.()?.onEvent(event);
      reportServiceEvent(ctx, event);
    },
    onLines: dashboard ? (service, source, lines) => dashboard()?.onLines(service, source, forPage(lines)) : undefined,
    onServiceExit: config.onServiceExit,
    stateFile: devSessionFile(config.stateDir),
    session: options.session,
    keepGoing: options.keepGoing,
    logs: { dir: logDir(config.stateDir), mask },
  });
}

/** The ready table: each infra entry's and service's URL and start-up time (and the dashboard's URL). */
function reportReady(
  ctx: CommandContext,
  ready: StartedServices,
  started: number,
  dashboardUrl: string | undefined,
  infraRows: DevInfra['rows'] = [],
) {
  const { output } = ctx;
  const rows = [...infraRows, ...ready.services.map((s) => ({ ...s, url: s.url ?? '' }))];
  const width = Math.max(0, ...rows.map((r) => r.name.length));
  // performance.now() counts from process start: the whole `devup dev`, node's own start-up included.
  const took = `in ${formatDuration(performance.now() - started)} (${formatDuration(performance.now())} since devup started)`;
  if (ready.down.length === 0) output.line(`${output.style('green', '✔')} All services ready ${took}`);
  else {
    const count = ready.services.length + ready.down.length;
    output.line(
      `${output.style('yellow', '!')} ${ready.services.length} of ${count} services ready ${took}; down: ${ready.down.join(', ')} (keep-going: each restarts when one of its files changes, or on r)`,
    );
  }
  for (const r of rows) {
    output.line(`  ${r.name.padEnd(width)}  ${r.url.padEnd(24)}  ready in ${formatDuration(r.readyMs)}`);
  }
  if (dashboardUrl) output.line(`  ${'dashboard'.padEnd(width)}  ${dashboardUrl}`);
  output.event({
    event: 'services-ready',
    ms: Math.round(performance.now() - started),
    services: ready.services,
    down: ready.down,
  });
}

/**
 * Keeps V8's young generation at the size it has now. Each burst of service output (megabytes of
 * short-lived strings per second) otherwise doubles it step by step up to 3 × 16 MB, and RSS
 * never comes back down: 100 MB of logs took devup from 64 to 105 MB. The flag is read each time
 * the space would grow, so setting it now takes effect; more frequent scavenges cost little here.
 */
function boundYoungGeneration(): void {
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}

async function openDashboard(
  config: DashboardSettings,
  services: ServiceSettings[],
  prepared: PreparedDatabase,
  supervisor: ServiceSupervisor,
  readOnly: boolean,
  infra: DevInfra | undefined,
): Promise<Dashboard> {
  const { startDashboard } = await import('../../dashboard/dashboard.js');
  return startDashboard({ config, services, db: prepared.db, supervisor, readOnly, infra: infra?.feed });
}

function finish(ctx: CommandContext, prepared: PreparedDatabase, code: number, infra: DevInfra | undefined): number {
  const { output } = ctx;
  const what = infra ? 'Postgres and infra keep' : 'Postgres keeps';
  const keeps =
    prepared.db.engine === 'external'
      ? `The external database is untouched.${infra ? ' Infra keeps running (`devup down` stops it).' : ''}`
      : `${what} running for a fast next start (\`devup down\` stops ${infra ? 'them' : 'it'}).`;
  output.line(`Services stopped. ${keeps}`);
  output.event({ event: 'stopped', code });
  return code;
}

/** Crashes, restarts and give-ups are already in the log stream (`name * …`); JSON gets events. */
function reportServiceEvent(ctx: CommandContext, event: ServiceEvent): void {
  ctx.output.event({ event: `service-${event.type}`, ...event });
}
