import path from 'node:path';
import type { ServiceSettings } from '../config/types.js';
import type { ConnectionInfo } from '../database/connection/connection.js';
import { errorMessage, UserError } from '../errors.js';
import type { TargetBase } from '../migrations/targets.js';
import { toolAdapter } from '../migrations/tools/adapters.js';
import { alembicGraphOf } from '../migrations/tools/alembic.js';
import { readToolFiles } from '../migrations/tools/tool-files.js';
import {
  prepareToolInvocation,
  runToolCommand,
  type ToolInvocationSettings,
  toolSettings,
  withTargetLock,
} from '../migrations/tools/tool-invocation.js';
import { toolProgram, withArgs } from '../migrations/tools/tool-program.js';
import {
  type CatalogFingerprint,
  compareFingerprints,
  type FingerprintDifference,
  readCatalogFingerprint,
} from '../schema/catalog-fingerprint.js';
import type { CheckRunSettings } from './check-config.js';
import { CHECK_RETRY, type Finding, withHint } from './check-report.js';
import { describeDifference } from './reversibility.js';

export interface ToolReversibility {
  findings: Finding[];
  /** Set when the walk could not run: why (shown as a skipped check). */
  skipped?: string;
  downs: number;
  /** Set when an upgrade failed after its downgrade: the schema stays below head (the apply fails). */
  belowHead?: string;
}

/** The tool's history table, left out of every fingerprint (its rows change at every step). */
export const ALEMBIC_HISTORY = 'alembic_version';

/**
 * Alembic's reversibility, on one migrated tenant: `downgrade -1` down to base, reading the
 * catalog at every revision, then `upgrade +1` back to head, reading it again. The schema at
 * each revision must be the same coming down as going up; a difference at a revision is charged
 * to the downgrade that led there (the highest such revision: a leftover travels down with it).
 * At base the schema must be as `base` found it before the first upgrade: what devup itself set
 * up there (database.extensions, database.init: in `public`, say) is not a downgrade's leftover.
 */
export async function alembicReversibility(
  config: ToolInvocationSettings & Pick<CheckRunSettings, 'stateDir'>,
  service: ServiceSettings,
  target: TargetBase,
  admin: ConnectionInfo,
  options: { signal?: AbortSignal | undefined; base?: CatalogFingerprint | undefined },
): Promise<ToolReversibility> {
  const settings = toolSettings(service);
  const files = readToolFiles(toolAdapter(settings.tool), settings, config.stateDir);
  const graph = alembicGraphOf(files.set);
  if (!graph) return { findings: [], downs: 0, skipped: `revisions unreadable (${files.problem ?? 'no graph'})` };
  const linear = graph.heads.size === 1 && [...graph.revisions.values()].every((r) => r.downRevisions.length <= 1);
  if (!linear) return { findings: [], downs: 0, skipped: 'not checked: the revision history branches' };
  const invocation = await prepareToolInvocation(config, service, target, admin);
  let program: ReturnType<typeof toolProgram>;
  try {
    program = toolProgram(invocation.adapter, invocation.settings, service.name, invocation.context);
  } catch (error) {
    return { findings: [], downs: 0, skipped: `not checked: ${errorMessage(error)}` };
  }
  const order = graph.order;
  const fileOf = (revision: string) => {
    const file = graph.revisions.get(revision)?.file;
    return file ? path.join(files.migrationsDir, file) : undefined;
  };
  const run = (args: string[]) =>
    runToolCommand(invocation, target, withArgs(program, args), {
      root: config.root,
      onOutput: () => {},
      signal: options.signal,
      retry: CHECK_RETRY,
    });
  return withTargetLock(
    admin,
    target,
    async (client) => {
      const fingerprint = () => readCatalogFingerprint(client, target.schema, [ALEMBIC_HISTORY]);
      const walk = await walkDownAndUp(order, run, fingerprint, options.base ?? new Map());
      const findings = [
        ...(walk.failedDown
          ? [
              toolFinding(
                walk.failedDown.revision,
                fileOf(walk.failedDown.revision),
                'downgrade failed',
                walk.failedDown.error,
              ),
            ]
          : []),
        ...compareWalk(walk, order, fileOf, files.migrationsDir),
      ];
      if (!walk.failedUp) return { findings, downs: order.length };
      const { revision, error } = walk.failedUp;
      findings.push(toolFinding(revision, fileOf(revision), 'upgrade failed after its downgrade', error));
      return {
        findings,
        downs: order.length,
        belowHead: `${target.schema}: stopped at ${revision}, which could not be upgraded again (see reversibility)`,
      };
    },
    { onOutput: () => {}, signal: options.signal },
  );
}

/** The catalog at each revision (index = revisions applied; 0 is base), coming down and going up. */
interface Walk {
  down: CatalogFingerprint[];
  up: CatalogFingerprint[];
  /** The lowest revision reached coming down (0 unless a downgrade failed). */
  lowest: number;
  failedDown?: { revision: string; error: unknown };
  failedUp?: { revision: string; error: unknown };
}

async function walkDownAndUp(
  order: readonly string[],
  run: (args: string[]) => Promise<void>,
  fingerprint: () => Promise<CatalogFingerprint>,
  base: CatalogFingerprint,
): Promise<Walk> {
  const walk: Walk = { down: [], up: [base], lowest: order.length };
  walk.down[order.length] = await fingerprint();
  for (let level = order.length - 1; level >= 0; level--) {
    try {
      await run(['downgrade', '-1']);
    } catch (error) {
      walk.failedDown = { revision: order[level] as string, error };
      break;
    }
    walk.down[level] = await fingerprint();
    walk.lowest = level;
  }
  if (walk.lowest > 0) walk.up[walk.lowest] = walk.down[walk.lowest] as CatalogFingerprint;
  for (let level = walk.lowest + 1; level <= order.length; level++) {
    try {
      await run(['upgrade', '+1']);
    } catch (error) {
      walk.failedUp = { revision: order[level - 1] as string, error };
      break;
    }
    walk.up[level] = await fingerprint();
  }
  return walk;
}

/**
 * Highest revision first: a leftover of one downgrade travels down with every level below, so
 * each difference is charged once, to the downgrade that led to the highest level showing it.
 */
function compareWalk(
  walk: Walk,
  order: readonly string[],
  fileOf: (revision: string) => string | undefined,
  migrationsDir: string,
): Finding[] {
  const findings: Finding[] = [];
  const reported = new Set<string>();
  for (let level = order.length - 1; level >= Math.max(walk.lowest, 1); level--) {
    const going = walk.up[level];
    if (!going) continue; // above a failed upgrade
    const revision = order[level] as string;
    const differences = compareFingerprints(going, walk.down[level] as CatalogFingerprint);
    report(findings, reported, differences, 'down', revision, fileOf(revision));
  }
  // At base nothing should be left. A leftover also rides the way back up, so no level above
  // tells which downgrade missed it.
  if (walk.lowest === 0) {
    const base = walk.up[0] as CatalogFingerprint;
    const left = compareFingerprints(base, walk.down[0] as CatalogFingerprint).filter((d) => !reported.has(d.key));
    if (left.length > 0) {
      const lines = left.map((d) => `${d.key} still exists after downgrading to base`);
      findings.push({
        severity: 'error',
        message: `${lines[0]}${lines.length > 1 ? ` (and ${lines.length - 1} more)` : ''}: a downgrade misses it`,
        file: migrationsDir,
        details: lines.length > 1 ? lines.map((line) => `  ${line}`) : [],
      });
      for (const d of left) reported.add(d.key);
    }
  }
  // At head, up → down → up must land where the first upgrade did.
  const last = order.at(-1);
  const again = walk.up[order.length];
  if (last !== undefined && again) {
    const differences = compareFingerprints(walk.down[order.length] as CatalogFingerprint, again);
    report(findings, reported, differences, 'reapply', last, fileOf(last));
  }
  return findings;
}

function report(
  findings: Finding[],
  reported: Set<string>,
  all: FingerprintDifference[],
  phase: 'down' | 'reapply',
  revision: string,
  file: string | undefined,
): void {
  const differences = all.filter((d) => !reported.has(d.key));
  if (differences.length === 0) return;
  for (const d of differences) reported.add(d.key);
  const lines = differences.map((d) => describeDifference(d, phase));
  findings.push({
    severity: 'error',
    message: `${revision}: ${lines[0]}${lines.length > 1 ? ` (and ${lines.length - 1} more)` : ''}`,
    file,
    details: lines.length > 1 ? lines.map((line) => `  ${line}`) : [],
  });
}

function toolFinding(revision: string, file: string | undefined, what: string, error: unknown): Finding {
  return {
    severity: 'error',
    message: `${revision}: ${what}: ${errorMessage(error)}`,
    file,
    details: (error instanceof UserError ? withHint(error) : []).map((d) => `  ${d}`),
  };
}
