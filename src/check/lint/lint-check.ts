import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ServiceSettings } from '../../config/types.js';
import { UserError } from '../../errors.js';
import type { Migration, SqlSection } from '../../migrations/migration.js';
import { parseDbmateFile } from '../../migrations/sql/discover.js';
import { toolAdapter } from '../../migrations/tools/adapters.js';
import { listDir } from '../../migrations/tools/file-listing.js';
import type { CheckRunSettings } from '../check-config.js';
import { type CheckResult, type Finding, resultStatus, withHint } from '../check-report.js';
import type { GitBase } from '../git-base.js';
import { lintSections } from './lint.js';

/** The up sections devup can lint for a service: SQL engine migrations and dbmate files. */
function upSections(
  service: ServiceSettings,
  migrations: Migration[] | undefined,
): { dir: string; sections: SqlSection[] } | undefined {
  const settings = service.migrations;
  if (settings?.kind === 'sql')
    return migrations ? { dir: settings.dir, sections: migrations.map((m) => m.up) } : undefined;
  if (settings?.kind !== 'tool' || settings.tool !== 'dbmate') return undefined;
  const adapter = toolAdapter('dbmate');
  const dir = adapter.migrationsDir(settings);
  const files = listDir(dir, { recursive: false, include: (r) => adapter.includes(r) }).files;
  return { dir, sections: files.map((f) => parseDbmateFile(f.absolute, readFileSync(f.absolute, 'utf8')).up) };
}

/**
 * Step 4: squawk on the migrations this branch adds (relative to --base), or on all with --all.
 * Without either it is skipped: linting every old migration on every run would bury new findings.
 */
export async function lintServices(
  config: Pick<CheckRunSettings, 'services' | 'check'>,
  migrations: ReadonlyMap<string, Migration[]>,
  options: { base: GitBase | undefined; all: boolean; pgVersion?: string | undefined },
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const service of config.services) {
    if (!service.migrations) continue;
    const started = performance.now();
    const skip = (note: string) =>
      results.push({ service: service.name, check: 'lint', status: 'skip', note, findings: [], ms: 0 });
    if (!options.all && !options.base) {
      skip('runs with --base REF (new migrations) or --all');
      continue;
    }
    const found = upSections(service, migrations.get(service.name));
    if (!found) {
      skip(
        service.migrations.kind === 'tool'
          ? `not linted for ${service.migrations.tool} (SQL files only)`
          : 'migrations unreadable',
      );
      continue;
    }
    let sections = found.sections;
    if (!options.all && options.base) {
      const atBase = options.base.filesAt(found.dir);
      sections = sections.filter((s) => !atBase.has(path.relative(found.dir, s.file).split(path.sep).join('/')));
    }
    if (sections.length === 0) {
      skip(`no migration added since ${options.base?.ref}`);
      continue;
    }
    let findings: Finding[];
    try {
      findings = await lintSections(sections, config.check.lint, { pgVersion: options.pgVersion });
    } catch (error) {
      // squawk missing or failing: this check fails, the others still report.
      if (!(error instanceof UserError)) throw error;
      findings = [{ severity: 'error', message: error.message, details: withHint(error).map((d) => `  ${d}`) }];
    }
    results.push({
      service: service.name,
      check: 'lint',
      status: resultStatus(findings),
      note: `${sections.length} file${sections.length === 1 ? '' : 's'}${options.all ? '' : ` added since ${options.base?.ref}`}`,
      findings,
      ms: performance.now() - started,
    });
  }
  return results;
}
