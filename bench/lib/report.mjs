import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PSQL } from './postgres.mjs';
import { formatMs, median } from './util.mjs';

function quiet(command, args, options = {}) {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
      ...options,
    }).trim();
  } catch {
    return undefined;
  }
}

export function machineInfo(repo, server) {
  const cpuinfo = (() => {
    try {
      return readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return '';
    }
  })();
  const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));
  const dirty = quiet('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repo });
  return {
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model,
    kernel: `${os.type()} ${os.release()}`,
    loadAverageAtStart: os.loadavg().map((n) => Math.round(n * 100) / 100),
    node: process.version,
    postgresServer: server ? server.version() : undefined,
    postgresServerSource: server
      ? server.scratch
        ? 'scratch cluster (Debian PG15, fsync off)'
        : 'BENCH_DATABASE_URL'
      : undefined,
    psql: quiet(PSQL, ['--version']),
    docker: quiet('docker', ['version', '--format', '{{.Server.Version}}']),
    devup: {
      version: pkg.version,
      commit: quiet('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo }),
      trackedChanges: dirty === undefined ? undefined : dirty.length > 0,
    },
  };
}

/** devup's median in a group (the Node 20 row unless `devupId` says otherwise) ÷ another row's. */
function ratio(results, group, otherId, devupId = `${group}.devup`) {
  const devup = results.find((r) => r.id === devupId);
  const other = results.find((r) => r.id === otherId);
  if (!devup?.median || !other?.median) return undefined;
  return devup.median / other.median;
}

/**
 * How much longer devup took than another row, in ms: the median of the per-round differences
 * (both ran back to back in each round, so load that drifts over the run cancels out).
 */
function difference(results, devupId, otherId) {
  const devup = results.find((r) => r.id === devupId);
  const other = results.find((r) => r.id === otherId);
  if (!devup?.rounds || !other?.rounds) return undefined;
  const diffs = Object.keys(devup.rounds)
    .filter((round) => other.rounds[round] !== undefined)
    .map((round) => devup.rounds[round] - other.rounds[round]);
  return diffs.length === 0 ? undefined : median(diffs);
}

/** The issues' targets (8, 17 and later ones), checked against this run's medians. */
export function checkTargets(results, scaling) {
  const targets = [];
  const add = (id, description, value, limit, unit = '×') =>
    targets.push({ id, description, value, limit, unit, met: value === undefined ? undefined : value <= limit });
  if (results.some((r) => r.group === 'warm')) {
    add(
      'warm-vs-dbmate',
      'warm devup ≥2× faster than the dbmate loop (devup ÷ dbmate ≤ 0.5)',
      ratio(results, 'warm', 'warm.dbmate'),
      0.5,
    );
    add(
      'warm-vs-alembic',
      'warm devup ≥20× faster than Alembic per target (devup ÷ alembic ≤ 0.05)',
      ratio(results, 'warm', 'warm.alembic'),
      0.05,
    );
    add(
      'warm-vs-floor',
      'warm devup within 3× of the psql floor (devup ÷ floor ≤ 3)',
      ratio(results, 'warm', 'warm.floor'),
      3,
    );
    // Issue 19: the warm path at the Node floor, on each Node version measured.
    for (const [suffix, label] of [
      ['', 'Node 20'],
      ['-node24', 'Node 24'],
    ]) {
      const over = difference(results, `warm.devup${suffix}`, `warm.node-pg${suffix}`);
      if (over !== undefined)
        add(
          `warm-vs-node-pg${suffix}`,
          `warm devup within 20 ms of node + pg (${label}; median of per-round differences)`,
          over,
          20,
          'ms',
        );
    }
  }
  // Issue 27: infra already running costs a warm `devup dev` one Docker list call, not one per entry.
  const infraOver = difference(results, 'infra.two-redis', 'infra.none');
  if (infraOver !== undefined)
    add(
      'infra-warm',
      'warm devup dev with two infra entries running within 20 ms of none (median of per-round differences)',
      infraOver,
      20,
      'ms',
    );
  if (results.some((r) => r.group === 'tls')) {
    add(
      'tls-vs-plain',
      'warm devup over TLS (verify-full) within 1.2× of plaintext on the same server (TLS ÷ plain ≤ 1.2)',
      ratio(results, 'tls', 'tls.plain'),
      1.2,
    );
  }
  if (results.some((r) => r.group === 'cold')) {
    add(
      'cold-vs-floor',
      'cold devup within 1.3× of the psql floor (devup ÷ floor ≤ 1.3)',
      ratio(results, 'cold', 'cold.floor'),
      1.3,
    );
  }
  const templateReset = results.find((r) => r.id === 'demo.reset-template');
  if (templateReset?.median !== undefined)
    add(
      'reset-template',
      'demo reset --yes --no-start from an unchanged template ≤ 0.5 s',
      templateReset.median,
      500,
      'ms',
    );
  const snapshotRestore = results.find((r) => r.id === 'demo.snapshot-restore');
  if (snapshotRestore?.median !== undefined)
    add('snapshot-restore', 'restoring a ~100 MB snapshot ≤ 2 s', snapshotRestore.median, 2000, 'ms');
  const live = results.find((r) => r.id === 'demo.live-migration');
  if (live?.median !== undefined)
    add(
      'live-migration',
      'demo: migration saved → applied in every tenant and ready again < 1 s',
      live.median,
      1000,
      'ms',
    );
  // Issue 30: throwaway clusters copied from the user's cache instead of initdb.
  const throwaway = results.find((r) => r.id === 'check.throwaway');
  if (throwaway?.median !== undefined)
    add('throwaway-ready', 'throwaway embedded cluster ready ≤ 0.3 s', throwaway.median, 300, 'ms');
  const checkDemo = results.find((r) => r.id === 'check.demo');
  if (checkDemo?.median !== undefined)
    add('check-demo', '`devup check` on the demo ≤ 1.2 s', checkDemo.median, 1200, 'ms');
  for (const relations of [900, 2000]) {
    const sized = results.find((r) => r.id === `reset.template-${relations}`);
    if (sized?.median !== undefined)
      add(
        `reset-template-${relations}`,
        `reset right after a rebuild, ${relations} relations, ≤ 0.5 s`,
        sized.median,
        500,
        'ms',
      );
  }
  const largeWarm = results.find((r) => r.id === 'warm-large.devup');
  if (largeWarm) add('large-warm', 'large workspace: warm devup < 0.3 s', largeWarm.median, 300, 'ms');
  if (scaling?.growth !== undefined) {
    add(
      'large-cold-linear',
      `large workspace: cold scales linearly in tenants (ms per target at ${scaling.to} tenants ÷ at ${scaling.from} ≤ 1.2)`,
      scaling.growth,
      1.2,
    );
  }
  return targets;
}

/** Cold devup per target at two tenant counts: > 1 means each tenant costs more as tenants grow. */
export function coldScaling(results, points) {
  const rows = points
    .map((p) => {
      const devup = results.find((r) => r.id === `${p.group}.devup`);
      const floor = results.find((r) => r.id === `${p.group}.floor`);
      return devup?.median
        ? {
            tenants: p.tenants,
            targets: p.targets,
            devupMs: devup.median,
            devupMsPerTarget: devup.median / p.targets,
            floorMsPerTarget: floor?.median ? floor.median / p.targets : undefined,
          }
        : undefined;
    })
    .filter(Boolean);
  if (rows.length < 2) return rows.length ? { points: rows } : undefined;
  const [first, last] = [rows[0], rows.at(-1)];
  return {
    points: rows,
    from: first.tenants,
    to: last.tenants,
    growth: last.devupMsPerTarget / first.devupMsPerTarget,
    marginalMsPerTarget: (last.devupMs - first.devupMs) / (last.targets - first.targets),
  };
}

/**
 * The median over rounds of devup's time ÷ this row's time in the same round: rows of one round
 * run back to back, so this cancels drift between rounds that the ratio of medians still sees.
 */
export function pairedRatio(results, group, otherId, devupId = `${group}.devup`) {
  const devup = results.find((r) => r.id === devupId);
  const other = results.find((r) => r.id === otherId);
  if (!devup?.rounds || !other?.rounds) return undefined;
  const ratios = Object.keys(devup.rounds)
    .filter((round) => other.rounds[round] !== undefined)
    .map((round) => devup.rounds[round] / other.rounds[round]);
  return median(ratios);
}

/**
 * The warm targets read for `devup migrate (Node 24)`: its ratios against dbmate, Alembic and the
 * psql floor (the limits of checkTargets), and against the node + pg floor on Node 24 (no target).
 */
export function node24Ratios(results) {
  const devupId = 'warm.devup-node24';
  if (!results.find((r) => r.id === devupId)?.median) return undefined;
  const rows = [
    { id: 'warm-vs-dbmate', against: 'warm.dbmate', name: 'dbmate', limit: 0.5 },
    { id: 'warm-vs-alembic', against: 'warm.alembic', name: 'alembic', limit: 0.05 },
    { id: 'warm-vs-floor', against: 'warm.floor', name: 'psql floor', limit: 3 },
    { id: 'warm-vs-node-pg-node24', against: 'warm.node-pg-node24', name: 'node + pg floor (Node 24)' },
  ];
  return rows.map((row) => {
    const value = ratio(results, 'warm', row.against, devupId);
    return {
      ...row,
      ratio: value,
      paired: pairedRatio(results, 'warm', row.against, devupId),
      met: value === undefined || row.limit === undefined ? undefined : value <= row.limit,
    };
  });
}

/**
 * devup on Node 20 and Node 24 ÷ the psql floor of a cold group (the default workspace's and the
 * corpora's), ratio of medians and paired, against the cold target (≤ 1.3×).
 */
export function floorRatios(results, group) {
  const floorId = `${group}.floor`;
  if (!results.find((r) => r.id === floorId)?.median) return undefined;
  const out = {};
  for (const [runtime, devupId] of [
    ['node20', `${group}.devup`],
    ['node24', `${group}.devup-node24`],
  ]) {
    const value = ratio(results, group, floorId, devupId);
    if (value === undefined || !Number.isFinite(value)) continue;
    out[runtime] = {
      ratio: value,
      paired: pairedRatio(results, group, floorId, devupId),
      limit: 1.3,
      met: value <= 1.3,
    };
  }
  return out;
}

function formatFloorLine(ratios) {
  const parts = Object.entries(ratios).map(([runtime, r]) => {
    const paired = r.paired === undefined ? '' : ` (${r.paired.toFixed(2)}×)`;
    return `${runtime === 'node24' ? 'Node 24' : 'Node 20'} ${r.ratio.toFixed(2)}×${paired} ${r.met ? '✓' : '✗'} ≤ ${r.limit}`;
  });
  return `  devup migrate ÷ psql floor: ${parts.join(', ')}`;
}

const TARGET_FOR_ROW = {
  'warm.dbmate': 'warm-vs-dbmate',
  'warm.alembic': 'warm-vs-alembic',
  'warm.floor': 'warm-vs-floor',
  'cold.floor': 'cold-vs-floor',
  'warm-large.devup': 'large-warm',
  'demo.live-migration': 'live-migration',
  'check.throwaway': 'throwaway-ready',
  'check.demo': 'check-demo',
  'reset.template-900': 'reset-template-900',
  'reset.template-2000': 'reset-template-2000',
  'dashboard.dev-on': 'dashboard-ready',
  'dashboard.first-paint': 'dashboard-first-paint',
};

/** The line under the warm table: the Node 24 devup row against the target rows. */
function formatNode24Line(ratios) {
  const parts = ratios
    .filter((r) => r.ratio !== undefined)
    .map((r) => {
      const paired = r.paired === undefined ? '' : ` (${r.paired.toFixed(2)}×)`;
      const mark = r.limit === undefined ? '' : ` ${r.met ? '✓' : '✗'} ≤ ${r.limit}`;
      return `÷ ${r.name} ${r.ratio.toFixed(2)}×${paired}${mark}`;
    });
  return `  devup migrate (Node 24) ${parts.join(', ')}`;
}

function pad(text, width, right = false) {
  const s = String(text);
  return right ? s.padStart(width) : s.padEnd(width);
}

function verdict(target) {
  if (!target) return '';
  const value = target.unit === 'ms' ? formatMs(target.value) : `${target.value?.toFixed(2)}×`;
  const mark = target.met === undefined ? '?' : target.met ? '✓ met' : '✗ MISSED';
  return `target ${target.unit === 'ms' ? `< ${formatMs(target.limit)}` : `≤ ${target.limit}×`}: ${mark}${target.unit === 'ms' ? ` (${value})` : ''}`;
}

export function formatTable(report) {
  const { results, targets, groups } = report;
  const lines = [];
  // The label column fits the longest label (at least 32).
  const w = Math.max(32, ...results.map((r) => r.label.length));
  const header = `${pad('', w + 2)}${pad('median', 10, true)}${pad('min–max', 22, true)}${pad('n', 4, true)}  ${pad('devup ÷ this', 13, true)}${pad('(paired)', 10, true)}  target`;
  for (const { group, title } of groups) {
    const rows = results.filter((r) => r.group === group);
    if (rows.length === 0) continue;
    lines.push('', title, header);
    for (const r of rows) {
      // Rows in other units than time (the dashboard's CPU and memory during the flood).
      const show = (v) =>
        r.unit === '%' ? `${v.toFixed(1)} %` : r.unit === 'MiB' ? `${v.toFixed(0)} MiB` : formatMs(v);
      const range = r.min === undefined ? '' : `${show(r.min)} – ${show(r.max)}`;
      if (r.skipped || r.error) {
        const why = (r.skipped ? `skipped: ${r.skipped}` : `failed: ${r.error}`).split('\n')[0].slice(0, 150);
        lines.push(`  ${pad(r.label, w)}${pad('—', 10, true)}  ${why}`);
        continue;
      }
      // The Node 20 devup row ÷ this row; none for the Node 24 rows (see the Node 24 line).
      const compared = r.kind !== 'devup' && r.runtime !== 'node24';
      const rat = compared ? ratio(results, group, r.id) : '';
      const paired = compared ? pairedRatio(results, group, r.id) : undefined;
      const target = targets.find((t) => t.id === TARGET_FOR_ROW[r.id]);
      lines.push(
        `  ${pad(r.label, w)}${pad(show(r.median), 10, true)}${pad(range, 22, true)}${pad(r.samples.length, 4, true)}  ${pad(rat ? `${rat.toFixed(2)}×` : '', 13, true)}${pad(paired ? `(${paired.toFixed(2)}×)` : '', 10, true)}  ${verdict(target)}`,
      );
    }
    if (group === 'warm' && report.node24?.warmRatios) lines.push(formatNode24Line(report.node24.warmRatios));
    const floor = report.floorRatios?.[group];
    if (floor && Object.keys(floor).length > 0) lines.push(formatFloorLine(floor));
  }
  if (report.scaling?.points) {
    lines.push('', 'Cold scaling in tenants (large workspace, devup)');
    for (const p of report.scaling.points) {
      lines.push(
        `  ${pad(`${p.tenants} tenants, ${p.targets} targets`, w)}${pad(formatMs(p.devupMs), 10, true)}   ${p.devupMsPerTarget.toFixed(1)} ms/target` +
          (p.floorMsPerTarget ? ` (psql floor ${p.floorMsPerTarget.toFixed(1)} ms/target)` : ''),
      );
    }
    if (report.scaling.growth !== undefined) {
      lines.push(
        `  ms/target ${report.scaling.to} ÷ ${report.scaling.from} tenants: ${report.scaling.growth.toFixed(2)}×; marginal ${report.scaling.marginalMsPerTarget.toFixed(1)} ms/target  ${verdict(targets.find((t) => t.id === 'large-cold-linear'))}`,
      );
    }
  }
  const phases = Object.entries(report.phases ?? {});
  if (phases.length > 0) {
    lines.push('', "Where devup's time goes (one extra run with --json: its own events vs the process wall time)");
    for (const [group, p] of phases) {
      if (p?.error || p?.wallMs === undefined) {
        lines.push(`  ${pad(group, w)}  failed: ${(p?.error ?? 'no events').split('\n')[0]}`);
        continue;
      }
      lines.push(
        `  ${pad(group, w)}${pad(formatMs(p.wallMs), 10, true)}  = Postgres ready ${formatMs(p.databaseReadyMs)} + migration step ${formatMs(p.migrationsMs)}` +
          (p.schemaDocsMs ? ` + schema docs ${formatMs(p.schemaDocsMs)}` : '') +
          ` + the rest ${formatMs(p.restMs)} (node start, module loading, config, exit)` +
          (p.moduleFiles ? `; ${p.moduleFiles} module files read` : ''),
      );
    }
  }
  const rss = report.rss ?? {};
  if (Object.keys(rss).length > 0) {
    lines.push('', "devup's peak RSS");
    for (const [what, r] of Object.entries(rss)) {
      lines.push(
        `  ${pad(what, w)}${pad(r?.medianMiB ? `${r.medianMiB.toFixed(1)} MiB` : '—', 10, true)}  ${r?.error ? `failed: ${r.error.split('\n')[0]}` : r?.skipped ? `skipped: ${r.skipped}` : (r?.method ?? '')}`,
      );
    }
  }
  if (targets.length > 0) {
    lines.push('', 'Targets');
    for (const t of targets) {
      const value =
        t.value === undefined ? 'not measured' : t.unit === 'ms' ? formatMs(t.value) : `${t.value.toFixed(2)}×`;
      lines.push(`  ${t.met === undefined ? '?' : t.met ? '✓' : '✗'} ${t.description}: ${value}`);
    }
  }
  return lines.join('\n');
}
