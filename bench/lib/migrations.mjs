// cold (fresh database → every migration applied) and warm (nothing pending) for devup, the
// psql floor and the peers, on one workspace variant (a tenant subset).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCases, skippedCase } from './measure.mjs';
import { PSQL } from './postgres.mjs';
import { log, median, runSync, timeCommand } from './util.mjs';

const NODE_FLOOR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'node-floor.mjs');

const PEERS = [
  { key: 'dbmate', tool: 'dbmate', label: 'dbmate ×target' },
  { key: 'node-pg-migrate', tool: 'nodePgMigrate', label: 'node-pg-migrate ×target' },
  { key: 'alembic', tool: 'alembic', label: 'alembic ×target' },
];

/** Runs devup's CLI with `node` (default: the Node running the bench, process.execPath). */
export function devupRunner(repo, node = process.execPath) {
  const cli = path.join(repo, 'bin', 'devup.js');
  return (args, options = {}) => timeCommand(node, [cli, ...args], { cwd: repo, ...options });
}

/**
 * The "(Node 24)" copies of some rows: the same command with the Node 24 binary. `node24` is
 * { binary, version }, or { skipped: reason } (the rows are listed as skipped), or undefined
 * (no such rows: the large workspace). `make(binary)` returns the cases for that binary.
 */
export function node24Cases(node24, bases, make) {
  if (!node24) return { cases: [], skipped: [] };
  if (node24.skipped)
    return { cases: [], skipped: bases.map((base) => skippedCase({ ...base, runtime: 'node24' }, node24.skipped)) };
  const note = `node ${node24.version}`;
  return {
    cases: make(node24.binary).map((c) => ({ ...c, note: c.note ? `${c.note}; ${note}` : note, runtime: 'node24' })),
    skipped: [],
  };
}

/**
 * Where one devup run spends its time, from its own --json events (one extra, untimed run):
 * Postgres ready (database-ready), the migration step (migrate-done), and the rest (node start,
 * module loading, config, exit), against the wall time of the process.
 */
/**
 * How many JavaScript module files a run reads (Node's own debug log of its ES module loader): the
 * warm path's start-up cost is per file, and a lazy import added to it shows up here first.
 */
export async function moduleFiles(repo, config, node = process.execPath) {
  const { output } = await devupRunner(repo, node)(['migrate', '--config', config], {
    env: { NODE_DEBUG: 'esm' },
    maxOutput: 16 * 1024 * 1024,
  });
  return new Set(output.match(/Storing file:\/\/\S+\.[cm]?js\b/g) ?? []).size;
}

export async function devupPhases(repo, config, node = process.execPath) {
  const { ms, output } = await devupRunner(repo, node)(['--json', 'migrate', '--config', config], {
    maxOutput: 64 * 1024 * 1024,
  });
  const events = output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        return {};
      }
    });
  const ready = events.find((e) => e.event === 'database-ready')?.ms;
  const done = events.find((e) => e.event === 'migrate-done');
  // After applying, devup rewrites the schema docs (schema.refresh): timed on its own.
  const docs = events.find((e) => e.event === 'schema-written')?.ms ?? 0;
  return {
    wallMs: Math.round(ms),
    databaseReadyMs: ready,
    migrationsMs: done?.ms,
    schemaDocsMs: docs,
    applied: done?.applied,
    restMs: ready !== undefined && done?.ms !== undefined ? Math.round(ms - ready - done.ms - docs) : undefined,
  };
}

export function psqlFile(server, database, file) {
  return timeCommand(PSQL, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', database, '-f', file], { env: server.env });
}

/** Relations and functions per schema family, to check that every tool built the same thing. */
function fingerprint(server, database) {
  return server.sql(
    `select count(*) filter (where c.relkind = 'r') || ' tables, ' ||
            count(*) filter (where c.relkind = 'i') || ' indexes, ' ||
            count(*) filter (where c.relkind = 'v') || ' views, ' ||
            (select count(*) from pg_proc p join pg_namespace n on n.oid = p.pronamespace
              where n.nspname not in ('pg_catalog', 'information_schema') and p.prokind = 'f') || ' functions'
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast', 'public')
        and c.relname not in ('devup_migrations', 'schema_migrations', 'pgmigrations', 'alembic_version')
        and c.relname not like '%_pkey' and c.relname not like 'devup_migrations%' and c.relname not like 'schema_migrations%'
        and c.relname not like 'pgmigrations%' and c.relname not like 'alembic_version%'`,
    database,
  );
}

/**
 * Which peers run in this suite. The big workspace runs only what finishes in reasonable
 * time (dbmate's binary); the others print why they are left out.
 */
function selectPeers(tools, skippedPeers, variant, { peers }) {
  return PEERS.map((p) => {
    if (!tools[p.tool]) return { ...p, skip: skippedPeers[p.key] ?? 'not installed' };
    if (!peers.includes(p.key))
      return { ...p, skip: `left out on ${variant.targets} targets (one process per target: minutes per run)` };
    return p;
  });
}

/**
 * The cases of every cold group, each on the fresh database `fresh` makes: devup migrate (on Node
 * 24 too, when there is one) and the psql floor running the file `floor` in one process.
 */
export function coldCases({ repo, node24, group, config, server, database, floor, fresh }) {
  const devup = devupRunner(repo);
  const cases = [
    {
      id: `${group}.devup`,
      group,
      kind: 'devup',
      label: 'devup migrate',
      prepare: fresh,
      run: async () => (await devup(['migrate', '--config', config])).ms,
    },
    {
      id: `${group}.floor`,
      group,
      kind: 'floor',
      label: 'psql floor (1 process)',
      prepare: fresh,
      run: async () => (await psqlFile(server, database, floor)).ms,
    },
  ];
  const base24 = { id: `${group}.devup-node24`, group, kind: 'devup', label: 'devup migrate (Node 24)' };
  const on24 = node24Cases(node24, [base24], (node) => {
    const devup24 = devupRunner(repo, node);
    return [{ ...base24, prepare: fresh, run: async () => (await devup24(['migrate', '--config', config])).ms }];
  });
  cases.splice(1, 0, ...on24.cases);
  return { cases, skipped: [...on24.skipped] };
}

export async function coldSuite({ server, repo, variant, tools, skippedPeers, runs, peers, node24, tag = '' }) {
  const database = server.name(`cold${tag}`);
  const config = variant.config(database);
  const group = `cold${tag}`;
  const fresh = () => {
    server.freshDatabase(`cold${tag}`);
  };
  const floor = variant.floorCold;
  const { cases, skipped } = coldCases({ repo, node24, server, group, database, config, fresh, floor });
  for (const p of selectPeers(tools, skippedPeers, variant, { peers })) {
    const base = { id: `${group}.${p.key}`, group, kind: 'peer', label: p.label };
    if (p.skip) {
      skipped.push(skippedCase(base, p.skip));
      continue;
    }
    cases.push({
      ...base,
      prepare: fresh,
      run: async () => (await timeCommand('bash', [variant.loops[p.key], database])).ms,
    });
  }
  log(`\n== ${group}: fresh database → ${variant.targets} targets × migrations applied`);
  const results = await runCases(cases, runs, { title: group });
  fresh();
  const phases = await devupPhases(repo, config).catch((error) => ({ error: error.message }));
  server.dropDatabase(database);
  return { results: [...results, ...skipped], phases };
}

export async function warmSuite({
  server,
  repo,
  variant,
  tools,
  skippedPeers,
  runs,
  peers,
  timeBin,
  node24,
  tag = '',
}) {
  const devup = devupRunner(repo);
  const group = `warm${tag}`;
  log(`\n== ${group}: nothing pending, ${variant.targets} targets (setting up: each tool applies everything once)`);
  const devupDb = server.freshDatabase(`warm${tag}_devup`);
  const config = variant.config(devupDb);
  await devup(['migrate', '--config', config]);
  const reference = fingerprint(server, devupDb);
  const floorDb = server.freshDatabase(`warm${tag}_floor`);
  await psqlFile(server, floorDb, variant.floorCold);
  const check = (name, database) => {
    const got = fingerprint(server, database);
    if (got !== reference) log(`  ! ${name} built ${got}; devup built ${reference}`);
  };
  check('the psql floor', floorDb);
  server.dropDatabase(floorDb);
  log(`  devup built ${reference} across ${variant.targets} schemas`);

  // devup and the Node floors for one Node binary; `suffix` tells the Node 24 copies apart.
  const nodeCases = (node, suffix) => {
    const devupOn = devupRunner(repo, node);
    return {
      devup: {
        id: `${group}.devup${suffix.id}`,
        group,
        kind: 'devup',
        label: `devup migrate${suffix.label}`,
        run: async () => (await devupOn(['migrate', '--config', config])).ms,
      },
      nodePg: {
        id: `${group}.node-pg${suffix.id}`,
        group,
        kind: 'floor',
        label: `node + pg floor${suffix.label}`,
        note: 'node, require pg, one connection, one query per target',
        run: async () => (await timeCommand(node, [NODE_FLOOR, repo, server.url(devupDb), variant.floorWarm])).ms,
      },
      node: {
        id: `${group}.node${suffix.id}`,
        group,
        kind: 'baseline',
        label: `node -e 0${suffix.label}`,
        run: async () => (await timeCommand(node, ['-e', '0'])).ms,
      },
    };
  };
  const on20 = nodeCases(process.execPath, { id: '', label: '' });
  const n24 = { id: '-node24', label: ' (Node 24)' };
  const on24 = node24Cases(
    node24,
    Object.values(nodeCases(undefined, n24)).map(({ id, label, kind }) => ({ id, group, label, kind })),
    (node) => {
      const c = nodeCases(node, n24);
      return [c.devup, c.nodePg, c.node];
    },
  );
  const cases = [
    on20.devup,
    ...on24.cases.slice(0, 1),
    {
      id: `${group}.floor`,
      group,
      kind: 'floor',
      label: 'psql floor (1 process)',
      note: 'one query per target',
      run: async () => (await psqlFile(server, devupDb, variant.floorWarm)).ms,
    },
    on20.nodePg,
    ...on24.cases.slice(1, 2),
    on20.node,
    ...on24.cases.slice(2),
  ];
  const skipped = [...on24.skipped];
  for (const p of selectPeers(tools, skippedPeers, variant, { peers })) {
    const base = { id: `${group}.${p.key}`, group, kind: 'peer', label: p.label };
    if (p.skip) {
      skipped.push(skippedCase(base, p.skip));
      continue;
    }
    const database = server.freshDatabase(`warm${tag}_${p.key.replaceAll('-', '_')}`);
    try {
      await timeCommand('bash', [variant.loops[p.key], database]);
      check(p.key, database);
    } catch (error) {
      skipped.push({ ...skippedCase(base, `setup failed: ${error.message.slice(0, 500)}`), error: error.message });
      continue;
    }
    cases.push({
      ...base,
      run: async () => (await timeCommand('bash', [variant.loops[p.key], database])).ms,
    });
  }
  const results = await runCases(cases, runs, { title: group });

  const phases = await devupPhases(repo, config).catch((error) => ({ error: error.message }));
  if (!phases.error) phases.moduleFiles = await moduleFiles(repo, config).catch(() => undefined);
  let rss;
  if (timeBin) rss = peakRss(timeBin, repo, ['migrate', '--config', config], 3);
  for (const name of [...server.databases]) if (name.startsWith(server.name(`warm${tag}_`))) server.dropDatabase(name);
  return { results: [...results, ...skipped], rss, phases };
}

/** devup's peak RSS (GNU time's %M, KiB) over a few runs: the median, in MiB. */
export function peakRss(timeBin, repo, args, count) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devup-bench-rss-'));
  try {
    const samples = [];
    for (let i = 0; i < count; i++) {
      const out = path.join(dir, `rss-${i}`);
      runSync(timeBin, ['-f', '%M', '-o', out, process.execPath, path.join(repo, 'bin', 'devup.js'), ...args], {
        cwd: repo,
      });
      samples.push(Number(readFileSync(out, 'utf8').trim().split('\n').at(-1)) / 1024);
    }
    return { medianMiB: median(samples), samplesMiB: samples, method: '/usr/bin/time -f %M (max RSS)' };
  } catch (error) {
    return { error: error.message };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
