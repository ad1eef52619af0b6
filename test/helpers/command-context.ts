import type { CommandContext } from '../../src/app/context.js';
import type { EngineName } from '../../src/config/schema.js';
import type { ResolvedConfig } from '../../src/config/types.js';
import { Output } from '../../src/ui/output.js';

/**
 * A CommandContext for calling a command handler directly: plain output, each piece of it pushed
 * on `lines`, run from the project's root with `config` as its loaded config.
 */
export function commandContext(config: ResolvedConfig, lines: string[] = [], engine?: EngineName): CommandContext {
  return {
    output: new Output('plain', (text) => lines.push(text)),
    engine,
    verbose: false,
    cwd: config.root,
    loadConfig: async () => config,
  };
}
