import { stringify } from 'yaml';
import type { CommandContext } from '../app/context.js';
import { migrationJob } from '../deploy/k8s-job.js';
import { checkDeployFlags, deployNames } from '../deploy/k8s-names.js';

/** `devup deploy k8s [--helm-hook] [--image IMG] [--secret NAME]`: prints the migration Job. */
export default async function deployK8s(ctx: CommandContext, options: Record<string, unknown>): Promise<number> {
  const config = await ctx.loadConfig();
  const names = deployNames(config.project);
  const flags = {
    image: (options.image as string | undefined) ?? names.image,
    secret: (options.secret as string | undefined) ?? names.secret,
  };
  checkDeployFlags(flags);
  const manifest = migrationJob(config, { ...flags, helmHook: options.helmHook === true });
  process.stdout.write(
    ctx.output.mode === 'json'
      ? `${JSON.stringify(manifest)}\n`
      : stringify(manifest, { aliasDuplicateObjects: false }),
  );
  return 0;
}
