import { stringify } from 'yaml';
import type { CommandContext } from '../app/context.js';
import { migrationJob } from '../deploy/k8s-job.js';
import { parseContextFlag } from '../migrations/sql/contexts.js';

/** `devup deploy k8s [--helm-hook] [--image IMG] [--secret NAME] [--context C]`: prints the migration Job. */
export default async function deployK8s(ctx: CommandContext, options: Record<string, unknown>): Promise<number> {
  const context = options.context === undefined ? undefined : String(options.context);
  const contexts = context === undefined ? undefined : parseContextFlag(context, `--context ${context}`);
  const config = await ctx.loadConfig();
  const manifest = migrationJob(config, {
    image: (options.image as string | undefined) ?? `${config.project}-migrations:latest`,
    helmHook: options.helmHook === true,
    secret: (options.secret as string | undefined) ?? `${config.project}-database`,
    contexts,
  });
  process.stdout.write(
    ctx.output.mode === 'json'
      ? `${JSON.stringify(manifest)}\n`
      : stringify(manifest, { aliasDuplicateObjects: false }),
  );
  return 0;
}
