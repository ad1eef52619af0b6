import { type LoadOptions, loadConfigFile } from '../config/load.js';
import type { ResolvedConfig } from '../config/types.js';
import { describePlacement, NO_REGISTRY, resolveCheckout } from './resolve-checkout.js';

export interface CheckoutLoadOptions extends LoadOptions {
  /** Called with what only --verbose shows (why the configured ports were kept). */
  debug?: (message: string) => void;
}

/**
 * The config as this checkout runs it: loaded, then placed beside the project's other checkouts
 * on this machine (their ports and container names). The CLI and the programmatic `loadConfig`
 * both come here, so a script sees the ports `devup dev` uses.
 */
export async function loadCheckoutConfig(options: CheckoutLoadOptions): Promise<ResolvedConfig> {
  const loaded = await loadConfigFile(options);
  let resolved: ResolvedConfig;
  try {
    resolved = await resolveCheckout(loaded, options.env ?? process.env, {
      ...(options.notice ? { warn: options.notice } : {}),
      ...(options.debug ? { debug: options.debug } : {}),
      readOnly: options.readOnly === true,
    });
  } catch (error) {
    // No writable home for the list (a deploy image running as a user without one, a read-only
    // filesystem): this checkout keeps the configured ports.
    const code = (error as NodeJS.ErrnoException).code;
    if (!NO_REGISTRY.includes(code ?? '')) throw error;
    options.debug?.(`checkouts list not writable (${code}): the configured ports and names are used`);
    return loaded;
  }
  const placement = describePlacement(resolved);
  if (placement) options.notice?.(placement);
  return resolved;
}
