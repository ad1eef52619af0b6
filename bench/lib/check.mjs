// check: `devup check` (the CI gate) as CI runs it: a process, a new embedded cluster each time
// (cluster creation included), on the demo and on the synthetic workspace with and without
// down migrations, so the cost of the reversibility walk can be read against the cold apply.
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { onCleanup } from './cleanup.mjs';
import { runCases } from './measure.mjs';
import { median, timeCommand } from './util.mjs';
import { generateMigrations, serviceNames, tenantNames } from './workspace.mjs';

export const CHECK_ROWS = [
  { id: 'check.throwaway', label: 'throwaway embedded cluster ready (in process, cluster cache made)' },
  { id: 'check.demo', label: 'devup check on the demo (process, cluster created)' },
  { id: 'check.ws', label: 'devup check, workspace without downs (process)' },
  { id: 'check.ws-reversible', label: 'devup check, same with a down per migration (process)' },
];

/** S×T×M migrations as devup files: `.sql`, or `.up.sql` + `.down.sql` pairs. */
function writeWorkspace(dir, size, withDowns) {
  const services = serviceNames(size.services);
  const config = {
    project: `devup-bench-check-${path.basename(dir)}`,
    services: Object.fromEntries(
      services.map((service) => [
        service,
        { cwd: `services/${service}`, migrations: { dir: 'migrations', tenants: tenantNames(size.tenants) } },
      ]),
    ),
  };
  for (const service of services) {
    const migrations = path.join(dir, 'services', service, 'migrations');
    mkdirSync(migrations, { recursive: true });
    for (const m of generateMigrations(service, size.migrations)) {
      const base = path.join(migrations, `${m.version}_${m.name}`);
      if (withDowns) {
        writeFileSync(`${base}.up.sql`, m.sql);
        writeFileSync(`${base}.down.sql`, m.down);
      } else writeFileSync(`${base}.sql`, m.sql);
    }
  }
  writeFileSync(path.join(dir, 'devup.config.json'), `${JSON.stringify(config, null, 2)}\n`);
  return dir;
}

/** The ms of the apply step (apply + the walk, which happens inside it) from the JSON report. */
function applyMs(output) {
  const line = output
    .trim()
    .split('\n')
    .find((l) => l.startsWith('{"ok"'));
  const report = JSON.parse(line ?? '{}');
  if (!report.ok) throw new Error(`devup check failed:\n${output.slice(-2000)}`);
  return report.results.find((r) => r.check === 'apply')?.ms;
}

export async function checkSuite({ repo, tempRoot, runs, size }) {
  const group = 'check';
  const demo = path.join(repo, 'bench', '.work-check-demo');
  // Inside the repository, so the demo's config resolves `devup`.
  cpSync(path.join(repo, 'demo'), demo, { recursive: true, filter: (src) => !src.includes('.devup') });
  onCleanup('remove the check demo copy', () => rmSync(demo, { recursive: true, force: true }));
  const plain = writeWorkspace(path.join(tempRoot, 'check-plain'), size, false);
  const reversible = writeWorkspace(path.join(tempRoot, 'check-reversible'), size, true);
  const cli = path.join(repo, 'bin', 'devup.js');
  const env = { CI: 'true', GITHUB_ACTIONS: '' };
  const apply = { plain: [], reversible: [] };
  const run = (cwd, into) => async () => {
    const { ms, output } = await timeCommand(process.execPath, [cli, 'check', '--json'], {
      cwd,
      env,
      timeoutMs: 300_000,
    });
    if (into) into.push(applyMs(output));
    return ms;
  };
  const sizeLabel = `${size.services}×${size.tenants}×${size.migrations}`;
  const { withThrowawayDatabase } = await import(
    pathToFileURL(path.join(repo, 'dist', 'database', 'throwaway', 'throwaway.js')).href
  );
  const { loadConfigFile } = await import(pathToFileURL(path.join(repo, 'dist', 'config', 'load.js')).href);
  const demoConfig = await loadConfigFile({ cwd: demo, configPath: path.join(demo, 'devup.config.mjs') });
  // What `devup check` prints as "ready in": the copy of the cached cluster (made by the warm-up round) up to its first answer.
  const throwawayReady = async () =>
    withThrowawayDatabase(demoConfig, { engine: 'embedded' }, async (db) => db.readyMs);
  const results = await runCases(
    [
      { ...CHECK_ROWS[0], group, kind: 'devup', run: throwawayReady },
      { ...CHECK_ROWS[1], group, kind: 'devup', run: run(demo) },
      { ...CHECK_ROWS[2], group, kind: 'devup', note: sizeLabel, run: run(plain, apply.plain) },
      { ...CHECK_ROWS[3], group, kind: 'devup', note: sizeLabel, run: run(reversible, apply.reversible) },
    ],
    runs,
    { title: 'check' },
  );
  // The warm-up round is in the arrays too: leave it out like the rows do.
  const plainApply = median(apply.plain.slice(1));
  const reversibleApply = median(apply.reversible.slice(1));
  return {
    results,
    reversibility: {
      applyMs: plainApply,
      applyWithWalkMs: reversibleApply,
      /** What the walk adds, in units of the cold apply (the target: ≤ 1). */
      addedRatio: (reversibleApply - plainApply) / plainApply,
    },
  };
}
