import { loadCheckoutConfig } from '../checkouts/load-checkout-config.js';
import type { EngineName } from '../config/schema.js';
import type { ResolvedConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import { parseContextFlag } from '../migrations/sql/contexts.js';
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

/** `readOnly`: a command that changes nothing (status): loading its config writes no file either. */
export function createContext(options: GlobalOptions, command: { readOnly?: boolean } = {}): CommandContext {
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
      config ??= loadCheckoutConfig({
        cwd,
        configPath: options.config,
        notice: (m) => output.notice(m),
        debug: (m) => output.debug(m),
        readOnly: command.readOnly,
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

/** `--context dev,test` wins over `migrations.context` in the config. */
export function withContextFlag<C extends Pick<ResolvedConfig, 'migrations'>>(
  config: C,
  flags: Record<string, unknown>,
): C {
  const value = flags.context;
  if (value === undefined) return config;
  const contexts = parseContextFlag(String(value), `--context ${String(value)}`);
  return { ...config, migrations: { ...config.migrations, contexts } };
}
