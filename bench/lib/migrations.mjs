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

export function devupRunner(repo) {
  const cli = path.join(repo, 'bin', 'devup.js');
  return (args, options = {}) => timeCommand(process.execPath, [cli, ...args], { cwd: repo, ...options });
}

/**
 * Where one devup run spends its time, from its own --json events (one extra, untimed run):
 * Postgres ready (database-ready), the migration step (migrate-done), and the rest (node start,
 * module loading, config, exit), against the wall time of the process.
 */
async function devupPhases(repo, config) {
  const { ms, output } = await devupRunner(repo)(['--json', 'migrate', '--config', config], {
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
  return {
    wallMs: Math.round(ms),
    databaseReadyMs: ready,
    migrationsMs: done?.ms,
    applied: done?.applied,
    restMs: ready !== undefined && done?.ms !== undefined ? Math.round(ms - ready - done.ms) : undefined,
  };
}

function psqlFile(server, database, file) {
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

export async function coldSuite({ server, repo, variant, tools, skippedPeers, runs, peers, tag = '' }) {
  const devup = devupRunner(repo);
  const database = server.name(`cold${tag}`);
  const config = variant.config(database);
  const group = `cold${tag}`;
  const fresh = () => {
    server.freshDatabase(`cold${tag}`);
  };
  const cases = [
    {
      id: `${group}.devup`,
      group,
      kind: 'devup',
      label: `devup migrate`,
      prepare: fresh,
      run: async () => (await devup(['migrate', '--config', config])).ms,
    },
    {
      id: `${group}.floor`,
      group,
      kind: 'floor',
      label: 'psql floor (1 process)',
      prepare: fresh,
      run: async () => (await psqlFile(server, database, variant.floorCold)).ms,
    },
  ];
  const skipped = [];
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

export async function warmSuite({ server, repo, variant, tools, skippedPeers, runs, peers, timeBin, tag = '' }) {
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

  const cases = [
    {
      id: `${group}.devup`,
      group,
      kind: 'devup',
      label: 'devup migrate',
      run: async () => (await devup(['migrate', '--config', config])).ms,
    },
    {
      id: `${group}.floor`,
      group,
      kind: 'floor',
      label: 'psql floor (1 process)',
      note: 'one query per target',
      run: async () => (await psqlFile(server, devupDb, variant.floorWarm)).ms,
    },
    {
      id: `${group}.node-pg`,
      group,
      kind: 'floor',
      label: 'node + pg floor',
      note: 'node, require pg, one connection, one query per target',
      run: async () =>
        (await timeCommand(process.execPath, [NODE_FLOOR, repo, server.url(devupDb), variant.floorWarm])).ms,
    },
    {
      id: `${group}.node`,
      group,
      kind: 'baseline',
      label: 'node -e 0',
      run: async () => (await timeCommand(process.execPath, ['-e', '0'])).ms,
    },
  ];
  const skipped = [];
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
