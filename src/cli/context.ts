import { describePlacement, resolveCheckout } from '../checkouts/resolve-checkout.js';
import { loadConfig } from '../config/load.js';
import type { EngineName } from '../config/schema.js';
import type { ResolvedConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import { detectOutputMode, Output } from '../ui/output.js';

/** Flags every command takes. */
export interface GlobalOptions {
  config?: string;
  engine?: string;
  json?: boolean;
  verbose?: boolean;
}

export interface CommandContext {
  output: Output;
  engine: EngineName | undefined;
  verbose: boolean;
  cwd: string;
  loadConfig(): Promise<ResolvedConfig>;
}

const ENGINES = ['auto', 'docker', 'embedded', 'external'];

export function createContext(options: GlobalOptions): CommandContext {
  const output = new Output(detectOutputMode(options));
  output.verbose = options.verbose ?? false;
  if (options.engine !== undefined && !ENGINES.includes(options.engine)) {
    throw new UsageError(`--engine ${options.engine}: must be one of ${ENGINES.join(', ')}`);
  }
  const cwd = process.cwd();
  let config: Promise<ResolvedConfig> | undefined;
  return {
    output,
    engine: options.engine as EngineName | undefined,
    verbose: options.verbose ?? false,
    cwd,
    loadConfig() {
      // Where this checkout runs beside the project's others, applied once for every command.
      config ??= loadConfig({ cwd, configPath: options.config, notice: (m) => output.notice(m) })
        .then((loaded) =>
          resolveCheckout(loaded).catch((error: unknown) => {
            // No writable home for the machine-wide list of checkouts (a deploy image running as
            // a user without one, a read-only filesystem): this checkout keeps the configured ports.
            const code = (error as NodeJS.ErrnoException).code;
            if (!['ENOENT', 'ENOTDIR', 'EACCES', 'EROFS', 'EPERM'].includes(code ?? '')) throw error;
            output.debug(`checkouts list not writable (${code}): the configured ports and names are used`);
            return loaded;
          }),
        )
        .then((resolved) => {
          const placement = describePlacement(resolved);
          if (placement) output.notice(placement);
          return resolved;
        });
      return config;
    },
  };
}

/** Parses a comma-separated list flag (`--only auth,workflow`). */
export function parseList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}
