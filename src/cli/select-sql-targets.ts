import { UsageError } from '../errors.js';
import type { InspectedTarget } from '../migrations/inspect.js';

/**
 * For commands that act on one version number (down --to, baseline --to): versions mean
 * nothing across services, so one service must be chosen, and the version must exist. Tool
 * targets count too where the command drives the tool (down).
 */
export function requireOneService(
  targets: InspectedTarget[],
  command: string,
  options: { includeTools?: boolean } = {},
): void {
  const services = [...new Set(targets.filter((t) => t.sql || options.includeTools).map((t) => t.target.service))];
  if (services.length > 1) {
    throw new UsageError(
      `${command} acts on one service at a time; this would touch ${services.join(', ')}`,
      `Add --service <name> (one of ${services.join(', ')}).`,
    );
  }
}

export function requireKnownVersion(targets: InspectedTarget[], version: bigint, flag: string): void {
  if (version === 0n) return;
  for (const { target, sql } of targets) {
    if (sql && !sql.migrations.some((m) => m.version === version)) {
      throw new UsageError(
        `${flag} ${version}: no migration of ${target.service} has that version`,
        `Versions of ${target.service}: ${sql.migrations.map((m) => m.version).join(', ') || '(none)'}`,
      );
    }
  }
}
