import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { PortSet } from './checkout-ports.js';
import { isPortSet } from './registry.js';

/** `.devup/checkout.json`: the ports a moved checkout was given, kept so they stay put across restarts. */
export interface CheckoutRecord {
  root: string;
  project: string;
  /** What the config asked for when the ports were chosen: a change means choosing again. */
  configured: PortSet;
  offset: number;
  ports: PortSet;
  dockerName: string;
  /** Since issue 26: what the machine-wide list needs to rebuild this checkout's entry. */
  configPath?: string;
  dataDir?: string;
}

export const RECORD_FILE = 'checkout.json';

/** The record in a `.devup` directory, or undefined when there is none or it is not one. */
export function readCheckoutRecord(stateDir: string): CheckoutRecord | undefined {
  let parsed: Partial<CheckoutRecord>;
  try {
    parsed = JSON.parse(readFileSync(path.join(stateDir, RECORD_FILE), 'utf8')) as Partial<CheckoutRecord>;
  } catch {
    return undefined;
  }
  const whole =
    typeof parsed?.root === 'string' &&
    typeof parsed.project === 'string' &&
    typeof parsed.dockerName === 'string' &&
    typeof parsed.offset === 'number' &&
    isPortSet(parsed.configured) &&
    isPortSet(parsed.ports);
  return whole ? (parsed as CheckoutRecord) : undefined;
}
