import type { ResolvedConfig } from '../../config/types.js';
import { chooseEngine } from '../../database/boot.js';
import type { CommandContext } from '../context.js';
import { runDevEnvironment } from '../dev/dev-environment.js';
import { requireLocalServer } from '../local-server.js';
import { confirmAndHold } from './confirm-destruction.js';
import { type ResetRun, resetProject, resetSchemas } from './reset-paths.js';

/** What `devup reset` was asked for. */
export interface ResetSettings {
  services: string[] | undefined;
  tenant: string | undefined;
  yes: boolean;
  seed: boolean;
  start: boolean;
  /** Allow an external server that is not on this machine. */
  force: boolean;
  /** `--infra NAME`: empty that entry instead of the database. */
  infra: string | undefined;
}

/**
 * `devup reset`: names exactly what it destroys, asks (or takes --yes), destroys only what
 * carries this project's labels (or, external, the schemas the config names), then rebuilds:
 * from the templates taken after the last rebuild when nothing changed since, else through the
 * migrations.
 */
export async function runReset(ctx: CommandContext, config: ResolvedConfig, settings: ResetSettings): Promise<number> {
  const run: ResetRun = { ...settings, claims: [] };
  try {
    return await resetAndRebuild(ctx, config, settings, run);
  } finally {
    for (const release of run.claims) release();
  }
}

async function resetAndRebuild(
  ctx: CommandContext,
  config: ResolvedConfig,
  { infra, force }: ResetSettings,
  settings: ResetRun,
): Promise<number> {
  if (infra !== undefined) {
    if (!(await resetInfra(ctx, config, infra, settings))) return 1;
    return settings.start ? runDevEnvironment(ctx, config, { ...DEV_AFTER_INFRA_RESET, seed: settings.seed }) : 0;
  }
  const { name, remembered } = await chooseEngine(config, ctx.engine, { notice: (m) => ctx.output.notice(m) });
  await requireLocalServer(config, name, force, 'reset');
  const outcome =
    settings.services || settings.tenant
      ? await resetSchemas(ctx, config, settings)
      : await resetProject(ctx, config, name, settings, remembered?.systemIdentifier !== undefined);
  if (outcome.done === 'refused') {
    ctx.output.line('Nothing changed.');
    return 1;
  }
  return runDevEnvironment(ctx, config, {
    skipMigrations: false,
    only: undefined,
    seed: settings.seed,
    strict: false,
    start: settings.start,
    reseed: outcome.done === 'schemas' ? outcome.reseed : outcome.done === 'template' ? [] : 'all',
    keepTemplate: outcome.done !== 'template' && outcome.done !== 'schemas',
    sessionCommand: settings.start ? 'dev' : 'reset',
  });
}

const DEV_AFTER_INFRA_RESET = { skipMigrations: false, only: undefined, strict: false, start: true } as const;

/** `--infra NAME`: that entry's container and volumes, listed and confirmed; Postgres is left alone. */
async function resetInfra(ctx: CommandContext, config: ResolvedConfig, name: string, settings: ResetRun) {
  const { infraResetPlan } = await import('../infra-commands.js');
  const plan = await infraResetPlan(config, name);
  if (plan.items.length === 0) {
    ctx.output.line(`Nothing to reset: infra.${name} has no container or volume yet.`);
    return true;
  }
  if (!(await confirmAndHold(ctx, config, settings, plan.items))) {
    ctx.output.line('Nothing changed.');
    return false;
  }
  await plan.remove();
  ctx.output.line(
    `${ctx.output.style('green', '✔')} Emptied infra.${name}: removed ${plan.items.map((i) => i.name).join(', ')}`,
  );
  ctx.output.event({ event: 'reset', destroyed: plan.items });
  return true;
}
