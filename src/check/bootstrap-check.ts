import path from 'node:path';
import type pg from 'pg';
import { withClient } from '../database/connection/connection.js';
import { errorMessage, UserError } from '../errors.js';
import { quoteIdent } from '../lib/sql-quote.js';
import type { Migration } from '../migrations/migration.js';
import { applyTarget } from '../migrations/sql/apply.js';
import { HISTORY_TABLE } from '../migrations/sql/history.js';
import type { TargetBase } from '../migrations/targets.js';
import { runToolTarget } from '../migrations/tools/tool-runner.js';
import { compareFingerprints, readCatalogFingerprint } from '../schema/catalog-fingerprint.js';
import type { CheckRunSettings, CheckThrowaway } from './check-config.js';
import type { AppliedSchemas, CheckResult, Finding } from './check-report.js';
import { withHint } from './check-report.js';

/** The schema the snapshot is loaded into beside the replayed one; dropped afterwards. */
const SCRATCH = 'devup_bootstrap_check';

/** The catalog with the schema's own name taken out, so that two schemas can be compared. */
async function neutralFingerprint(client: pg.Client, schema: string): Promise<Map<string, string>> {
  const raw = await readCatalogFingerprint(client, schema, [HISTORY_TABLE, 'alembic_version']);
  return new Map(
    [...raw].map(([key, def]) => [
      key,
      def.replaceAll(`${quoteIdent(schema)}.`, '$schema.').replaceAll(`${schema}.`, '$schema.'),
    ]),
  );
}

/**
 * A fresh target built the way `migrations.bootstrap: 'schema'` builds one (the snapshot, then
 * the newer migrations) must hold the catalog of the replayed one: said per difference.
 */
async function compareBootstrap(
  client: pg.Client,
  target: TargetBase,
  build: (scratch: TargetBase) => Promise<unknown>,
  snapshot: string,
  root: string,
): Promise<Finding[]> {
  await client.query(`drop schema if exists ${SCRATCH} cascade`);
  try {
    await build({ ...target, schema: SCRATCH });
    const differences = compareFingerprints(
      await neutralFingerprint(client, target.schema),
      await neutralFingerprint(client, SCRATCH),
    );
    const file = path.relative(root, snapshot) || snapshot;
    return differences.map((d) => ({
      severity: 'error' as const,
      message: `${d.key}: ${d.change === 'added' ? 'only in the schema the snapshot builds' : d.change === 'removed' ? 'missing from the schema the snapshot builds' : 'defined otherwise by the snapshot'}`,
      file: snapshot,
      details: [
        ...(d.change === 'changed' ? [`  replay:   ${d.expected}`, `  snapshot: ${d.actual}`] : []),
        `  hint: run \`devup schema\` and commit ${file}; if that does not help, the snapshot cannot express it: set migrations.bootstrap to "replay"`,
      ],
    }));
  } finally {
    await client.query(`drop schema if exists ${SCRATCH} cascade`);
  }
}

/**
 * For services with `migrations.bootstrap: 'schema'`: the committed snapshot, loaded on the
 * throwaway beside the replayed schema, with the migrations newer than it applied, must give the
 * same catalog (the fingerprint the reversibility check uses).
 */
export async function checkBootstraps(
  config: CheckRunSettings,
  db: CheckThrowaway,
  applied: AppliedSchemas,
  migrations: ReadonlyMap<string, Migration[]>,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const services = config.services.filter((s) => s.migrations?.bootstrap === 'schema');
  for (const service of services) {
    const started = performance.now();
    const row = (status: CheckResult['status'], note: string, findings: Finding[] = []) =>
      results.push({
        service: service.name,
        check: 'bootstrap',
        status,
        note,
        findings,
        ms: performance.now() - started,
      });
    const target = applied.targets.find((t) => t.service === service.name);
    const files = migrations.get(service.name);
    const sql = service.migrations?.kind === 'sql';
    if (!applied.ok || !target || (sql && !files)) {
      row('skip', 'skipped: the apply failed, so there is no replay to compare with');
      continue;
    }
    const snapshot = path.join(config.schema.dir, `${service.name}.sql`);
    try {
      const findings = await withClient(
        db.connection,
        (client) => {
          // The SQL engine builds the scratch schema itself; Alembic's is built by the tool run
          // a fresh target gets (load, alembic stamp, alembic upgrade head), on the throwaway.
          const build = sql
            ? (scratch: TargetBase) => applyTarget(client, { ...scratch, migrations: files ?? [], bootstrap: snapshot })
            : (scratch: TargetBase) =>
                runToolTarget(db.config, service, scratch, db.connection, { onOutput: () => {} });
          return compareBootstrap(client, target, build, snapshot, config.root);
        },
        target.database ? { database: target.database } : {},
      );
      const shown = path.relative(config.root, snapshot) || snapshot;
      row(
        findings.length > 0 ? 'fail' : 'pass',
        findings.length > 0
          ? `${shown} builds another schema than the migrations`
          : `${shown} builds the schema the migrations build`,
        findings,
      );
    } catch (error) {
      const details = error instanceof UserError ? withHint(error).map((d) => `  ${d}`) : [];
      row('fail', 'the snapshot does not build a target', [
        { severity: 'error', message: errorMessage(error), file: snapshot, details },
      ]);
    }
  }
  return results;
}
