import path from 'node:path';
import type { ResolvedConfig, ServiceSettings } from '../../config/types.js';
import {
  type CatalogFingerprint,
  compareFingerprints,
  type FingerprintDifference,
  readCatalogFingerprint,
} from '../../database/catalog-fingerprint.js';
import type { ConnectionInfo } from '../../database/connection.js';
import { errorMessage, UserError } from '../../errors.js';
import type { TargetBase } from '../targets.js';
import { alembicGraphOf } from '../tools/alembic.js';
import { toolAdapter } from '../tools/tool-adapters.js';
import { readToolFiles } from '../tools/tool-files.js';
import { prepareToolInvocation, runToolCommand, toolSettings, withTargetLock } from '../tools/tool-invocation.js';
import { toolProgram, withArgs } from '../tools/tool-program.js';
import type { Finding } from './check-report.js';
import { describeDifference } from './reversibility.js';

export interface ToolReversibility {
  findings: Finding[];
  /** Set when the walk could not run: why (shown as a skipped check). */
  skipped?: string;
  downs: number;
  /** Set when an upgrade failed after its downgrade: the schema stays below head (the apply fails). */
  belowHead?: string;
}

/**
 * Alembic's reversibility, on one migrated tenant: `downgrade -1` down to base, reading the
 * catalog at every revision, then `upgrade +1` back to head, reading it again. The schema at
 * each revision must be the same coming down as going up; a difference at a revision is charged
 * to the downgrade that led there (the highest such revision: a leftover travels down with it).
 */
export async function alembicReversibility(
  config: ResolvedConfig,
  service: ServiceSettings,
  target: TargetBase,
  admin: ConnectionInfo,
  options: { signal?: AbortSignal | undefined },
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
    });
  return withTargetLock(
    admin,
    target,
    async (client) => {
      const fingerprint = () => readCatalogFingerprint(client, target.schema, ['alembic_version']);
      const findings: Finding[] = [];
      // Index = revisions applied (0 is base): the catalog reached coming down, and going up again.
      const down: CatalogFingerprint[] = [];
      const up: CatalogFingerprint[] = [new Map()]; // base is an empty schema (the history table aside)
      down[order.length] = await fingerprint();
      let lowest = order.length;
      for (let level = order.length - 1; level >= 0; level--) {
        const revision = order[level] as string;
        try {
          await run(['downgrade', '-1']);
        } catch (error) {
          findings.push(toolFinding(revision, fileOf(revision), 'downgrade failed', error));
          break;
        }
        down[level] = await fingerprint();
        lowest = level;
      }
      if (lowest > 0) up[lowest] = down[lowest] as CatalogFingerprint;
      let failedUp: Finding | undefined;
      let belowHead: string | undefined;
      for (let level = lowest + 1; level <= order.length; level++) {
        const revision = order[level - 1] as string;
        try {
          await run(['upgrade', '+1']);
        } catch (error) {
          failedUp = toolFinding(revision, fileOf(revision), 'upgrade failed after its downgrade', error);
          belowHead = `${target.schema}: stopped at ${revision}, which could not be upgraded again (see reversibility)`;
          break;
        }
        up[level] = await fingerprint();
      }
      // Highest revision first: a leftover of one downgrade travels down with every level below.
      const reported = new Set<string>();
      for (let level = order.length - 1; level >= Math.max(lowest, 1); level--) {
        const going = up[level];
        if (!going) continue; // above a failed upgrade
        const revision = order[level] as string;
        const differences = compareFingerprints(going, down[level] as CatalogFingerprint);
        report(findings, reported, differences, 'down', revision, fileOf(revision));
      }
      // At base nothing should be left. What is left came from some upgrade whose downgrade missed
      // it; a leftover also rides the way back up, so no level above tells which one.
      if (lowest === 0) {
        const left = compareFingerprints(new Map(), down[0] as CatalogFingerprint).filter((d) => !reported.has(d.key));
        if (left.length > 0) {
          const lines = left.map((d) => `${d.key} still exists after downgrading to base`);
          findings.push({
            severity: 'error',
            message: `${lines[0]}${lines.length > 1 ? ` (and ${lines.length - 1} more)` : ''}: a downgrade misses it`,
            file: files.migrationsDir,
            details: lines.length > 1 ? lines.map((line) => `  ${line}`) : [],
          });
          for (const d of left) reported.add(d.key);
        }
      }
      // At head, up → down → up must land where the first upgrade did.
      const last = order.at(-1);
      const again = up[order.length];
      if (last !== undefined && again) {
        report(
          findings,
          reported,
          compareFingerprints(down[order.length] as CatalogFingerprint, again),
          'reapply',
          last,
          fileOf(last),
        );
      }
      if (failedUp) findings.push(failedUp);
      if (belowHead) return { findings, downs: order.length, belowHead };
      return { findings, downs: order.length };
    },
    { onOutput: () => {}, signal: options.signal },
  );
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
    details: (error instanceof UserError ? error.details : []).map((d) => `  ${d}`),
  };
}
