import { stringify } from 'yaml';
import type { CommandContext } from '../app/context.js';
import type { ResolvedConfig } from '../config/types.js';
import { migrationJob } from '../deploy/k8s-job.js';
import { checkDeployFlags, deployNames } from '../deploy/k8s-names.js';
import { parseContextFlag } from '../migrations/sql/contexts.js';
import { discoverMigrations } from '../migrations/sql/discover.js';
import type { DeployK8sOptions } from './commands.js';

/**
 * A Job without --context runs the config's contexts, `dev` unless migrations.context says
 * otherwise: said on stderr (stdout is the manifest) when some migration would run only there.
 */
function warnOfDevContext(config: ResolvedConfig): void {
  const contexts = config.migrations.contexts;
  const limited = config.services.flatMap((s) =>
    s.migrations?.kind === 'sql'
      ? discoverMigrations(s.migrations.dir).filter((m) => m.contexts?.some((c) => contexts.includes(c)))
      : [],
  );
  if (limited.length === 0) return;
  process.stderr.write(
    `! The Job runs the context ${contexts.join(',')} (migrations.context): ${limited.map((m) => m.id).join(', ')} would run in the deploy. Pass --context production (or the deploy's contexts).\n`,
  );
}

/** `devup deploy k8s [--helm-hook] [--image IMG] [--secret NAME] [--context C]`: prints the migration Job. */
export default async function deployK8s(ctx: CommandContext, options: DeployK8sOptions): Promise<number> {
  const { context } = options;
  const contexts = context === undefined ? undefined : parseContextFlag(context, `--context ${context}`);
  const config = await ctx.loadConfig();
  if (contexts === undefined) warnOfDevContext(config);
  const names = deployNames(config.project);
  const flags = {
    image: options.image ?? names.image,
    secret: options.secret ?? names.secret,
  };
  checkDeployFlags(flags);
  const manifest = migrationJob(config, { ...flags, helmHook: options.helmHook === true, contexts });
  process.stdout.write(
    ctx.output.mode === 'json'
      ? `${JSON.stringify(manifest)}\n`
      : stringify(manifest, { aliasDuplicateObjects: false }),
  );
  return 0;
}
