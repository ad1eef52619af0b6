import type { ResolvedConfig, ServiceSettings } from '../../config/types.js';
import { UserError } from '../../errors.js';
import { claimDevSession } from '../../services/dev-session.js';
import type { CommandContext } from '../context.js';
import { Interrupts } from '../interrupts.js';
import type { InfraBootSettings } from './dev-infra.js';
import { type PrepareSettings, prepareDatabase } from './prepare-database.js';
import { type ServicesRunSettings, startServices } from './start-services.js';

export interface DevOptions {
  skipMigrations: boolean;
  only: string[] | undefined;
  seed: boolean;
  strict: boolean;
  /** A failing service leaves the others running (`--keep-going`, or the config's keepGoing). */
  keepGoing?: boolean;
  /** false: stop once the database is migrated and seeded (reset --no-start). */
  start: boolean;
  /** After a reset: the schemas (or all) to seed again. */
  reseed?: 'all' | string[] | undefined;
  /** Built from zero (a full reset): keep templates for the next reset. */
  keepTemplate?: boolean;
  /** Serve the dashboard (--ui, or `ui` in the config). */
  ui?: { readOnly: boolean } | undefined;
  /** `reset --no-start` holds the session as a reset, which a `devup dev` started meanwhile waits for. */
  sessionCommand?: 'dev' | 'reset';
}

/** What `devup dev` reads: the database steps', the services', the infra and keep-going. */
export type DevSettings = PrepareSettings & ServicesRunSettings & Pick<ResolvedConfig, 'infra' | 'keepGoing'>;

/** The selected services plus everything they depend on, in config order. */
export function selectServices(
  config: Pick<ResolvedConfig, 'services'>,
  only: string[] | undefined,
): ServiceSettings[] {
  if (!only) return config.services;
  const names = config.services.map((s) => s.name);
  const unknown = only.filter((n) => !names.includes(n));
  if (unknown.length > 0) {
    throw new UserError(`--only: no service named ${unknown.join(', ')}`, { hint: `Services: ${names.join(', ')}` });
  }
  const wanted = new Set<string>();
  const add = (name: string) => {
    if (wanted.has(name)) return;
    wanted.add(name);
    for (const dep of config.services.find((s) => s.name === name)?.dependsOn ?? []) add(dep);
  };
  for (const name of only) add(name);
  return config.services.filter((s) => wanted.has(s.name));
}

/** boot Postgres → migrate → seed → start services → supervise until Ctrl-C. */
export async function runDevEnvironment(
  ctx: CommandContext,
  config: DevSettings,
  options: DevOptions,
): Promise<number> {
  const services = selectServices(config, options.only);
  // Before anything is touched: a second `devup dev` of this project refuses, naming the first.
  const session = await claimDevSession(config.stateDir, {
    command: options.sessionCommand ?? 'dev',
    onWaitForReset: (pid) => ctx.output.notice(`Waiting for the running devup reset (pid ${pid}) to finish…`),
  });
  try {
    // A session killed with its services still running: they hold ports and would run twice.
    const leftovers = await session.stopLeftovers();
    if (leftovers !== undefined) ctx.output.notice(leftovers);
    return await runClaimedDevEnvironment(ctx, config, services, { ...options, session: session.session });
  } finally {
    session.release();
  }
}

async function runClaimedDevEnvironment(
  ctx: CommandContext,
  config: DevSettings,
  services: ServiceSettings[],
  options: DevOptions & { session: string },
): Promise<number> {
  const interrupts = new Interrupts();
  // Load the supervisor (and execa, ~80 ms) while Postgres boots and migrations run.
  if (options.start) void import('../../services/service-process.js').then((m) => m.loadExeca()).catch(() => {});
  // The dashboard's chunk too, when asked for: its server then starts at once after the migrations.
  if (options.start && options.ui) void import('../../dashboard/dashboard.js').catch(() => {});
  // Infra starts beside Postgres; its module is loaded only for a config that has some.
  const infra = config.infra.length > 0 ? startDevInfra(ctx, config, services, options) : undefined;
  const preparing = prepareDatabase(ctx, config, {
    skipMigrations: options.skipMigrations,
    strict: options.strict,
    seed: options.seed,
    reseed: options.reseed,
    keepTemplate: options.keepTemplate ?? false,
    services: options.only ? services.filter((s) => s.migrations).map((s) => s.name) : undefined,
    signal: interrupts.signal,
  });
  // Neither is left half-started when the other fails: both settle before an error is thrown.
  const [prepared, devInfra] = await interrupts.race(bothSettled(preparing, infra ?? Promise.resolve(undefined)));
  if (devInfra) (await import('./dev-infra.js')).reportInfraReady(ctx.output, devInfra);
  if (!options.start) return 0;
  return startServices(ctx, config, services, prepared, interrupts, {
    watch: !options.skipMigrations,
    ui: options.ui,
    session: options.session,
    keepGoing: options.keepGoing ?? config.keepGoing,
    infra: devInfra,
  });
}

async function startDevInfra(
  ctx: CommandContext,
  config: InfraBootSettings & Pick<ResolvedConfig, 'infra'>,
  services: ServiceSettings[],
  options: DevOptions,
) {
  const { bootDevInfra, infraForRun } = await import('./dev-infra.js');
  const entries = infraForRun(config, services, options.only !== undefined);
  return entries.length > 0 ? bootDevInfra(ctx, config, entries) : undefined;
}

async function bothSettled<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [first, second] = await Promise.allSettled([a, b]);
  if (first.status === 'rejected') throw first.reason;
  if (second.status === 'rejected') throw second.reason;
  return [first.value, second.value];
}
