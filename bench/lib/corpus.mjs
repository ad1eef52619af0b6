// Corpora shaped like real projects' migration directories (issue 19), where the synthetic
// workspace's small files hide costs: hundreds of files, DO blocks and functions with `$$`
// bodies (BEGIN/END inside, which must not look like transaction control), no-transaction
// files (CREATE INDEX CONCURRENTLY), and a few large files. One service, one schema; the
// psql floor runs the same files in one process, one transaction per file, none for the
// no-transaction ones.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REAL_CORPORA, writeRealCorpus } from './corpus-real.mjs';
import { runCases } from './measure.mjs';
import { coldCases, devupPhases } from './migrations.mjs';
import { log } from './util.mjs';

/** The corpora the `corpus` section runs. */
export const CORPORA = [
  // 158 files, 15 of them no-transaction, 3 large: the shape of a golang-migrate project.
  { name: 'corpus-158', files: 158, noTransactionEvery: 10, large: 3, largeKb: 600, bodyRepeat: 1 },
  // 39 larger files, each a dozen DO blocks and functions.
  { name: 'corpus-39-large', files: 39, noTransactionEvery: 0, large: 0, largeKb: 0, bodyRepeat: 12 },
  // The same shapes with the content of real folders (corpus-real.mjs).
  ...REAL_CORPORA,
];

const NO_TRANSACTION = '-- devup:no-transaction';

function write(file, text) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** A plpgsql DO block: conditional DDL, the way idempotent migrations are written. */
function doBlock(table, n) {
  return `DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = '${table}_kind_${n}' AND typnamespace = current_schema()::regnamespace) THEN
    CREATE TYPE ${table}_kind_${n} AS ENUM ('draft', 'active', 'archived');
  END IF;
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = '${table}' AND column_name = 'kind_${n}') THEN
    EXECUTE format('ALTER TABLE %I ADD COLUMN %I text', '${table}', 'kind_${n}');
  END IF;
END
$$;
`;
}

/** A trigger function with a tagged dollar quote, its own BEGIN/END and a string with a `;`. */
function triggerFunction(table, n) {
  return `CREATE OR REPLACE FUNCTION ${table}_touch_${n}() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  note text := 'touched; by trigger ${n}';
BEGIN
  NEW.updated_at := now();
  IF NEW.status IS NULL THEN
    NEW.status := 'new';
  END IF;
  RAISE DEBUG '%', note;
  RETURN NEW;
END;
$fn$;
DROP TRIGGER IF EXISTS ${table}_touch_${n} ON ${table};
CREATE TRIGGER ${table}_touch_${n} BEFORE UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${table}_touch_${n}();
`;
}

/** A loop over rows in a DO block with a named dollar quote and a nested BEGIN … EXCEPTION block. */
function backfillBlock(table, n) {
  return `DO $backfill$
DECLARE
  r record;
BEGIN
  FOR r IN SELECT id FROM ${table} WHERE note IS NULL ORDER BY id LIMIT 200 LOOP
    BEGIN
      UPDATE ${table} SET note = 'backfilled ' || r.id || ' (${n})' WHERE id = r.id;
    EXCEPTION WHEN others THEN
      RAISE NOTICE 'skipped %', r.id;
    END;
  END LOOP;
END
$backfill$;
`;
}

function createTable(table) {
  return `CREATE TABLE IF NOT EXISTS ${table} (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL,
  status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'active', 'closed')),
  note text,
  payload jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE ${table} IS 'Created by migration; it''s a bench table';
INSERT INTO ${table} (name, payload)
SELECT 'row ' || g, jsonb_build_object('g', g, 'even', g % 2 = 0) FROM generate_series(1, 500) AS g;
`;
}

/** A large file: reference data as multi-row inserts, about `kb` kilobytes. */
function largeFile(table, kb) {
  const parts = [`CREATE TABLE ${table} (code text PRIMARY KEY, label text NOT NULL, weight numeric NOT NULL);\n`];
  let size = parts[0].length;
  let row = 0;
  while (size < kb * 1024) {
    const values = [];
    for (let i = 0; i < 200; i++, row++)
      values.push(`('${table}-${row}', 'Label ''${row}'' of ${table}', ${row % 97}.5)`);
    const statement = `INSERT INTO ${table} (code, label, weight) VALUES\n  ${values.join(',\n  ')};\n`;
    parts.push(statement);
    size += statement.length;
  }
  parts.push(doBlock(table, 0).replace(`'${table}'`, `'${table}'`));
  return parts.join('');
}

/**
 * Writes one corpus under `dir`: `migrations/NNNN_name.sql`, a devup config per database, and
 * the psql floor script. Returns what the bench needs.
 */
export function generateCorpus(dir, spec, server) {
  const files = spec.layout ? writeRealCorpus(dir, spec) : writeSyntheticCorpus(dir, spec);
  return corpusRun(dir, spec, server, files);
}

/** The synthetic corpus: short regular files, DO blocks and functions. */
function writeSyntheticCorpus(dir, spec) {
  const files = [];
  const tables = [];
  for (let i = 1; i <= spec.files; i++) {
    const version = String(i).padStart(4, '0');
    let name;
    let sql;
    const large = spec.large > 0 && i % Math.floor(spec.files / spec.large) === 0 && i > 1;
    if (tables.length > 0 && spec.noTransactionEvery > 0 && i % spec.noTransactionEvery === 0) {
      const table = tables[i % tables.length];
      name = `index_${table}_concurrently_${i}`;
      sql = `${NO_TRANSACTION}\nCREATE INDEX CONCURRENTLY IF NOT EXISTS ${table}_status_${i} ON ${table} (status, created_at);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS ${table}_name_${i} ON ${table} (lower(name));\n`;
    } else if (i === 1 || tables.length === 0 || i % 7 === 1) {
      const table = `t${i}`;
      tables.push(table);
      name = `create_${table}`;
      sql = createTable(table) + triggerFunction(table, i);
    } else if (large) {
      const table = `ref_${i}`;
      name = `reference_${table}`;
      sql = largeFile(table, spec.largeKb);
    } else {
      const table = tables[i % tables.length];
      name = `change_${table}_${i}`;
      const body = [];
      for (let r = 0; r < spec.bodyRepeat; r++) {
        const n = i * 100 + r;
        body.push(doBlock(table, n), triggerFunction(table, n), backfillBlock(table, n));
      }
      sql = body.join('\n');
    }
    const file = path.join(dir, 'migrations', `${version}_${name}.sql`);
    write(file, sql);
    files.push({ file, sql, noTransaction: sql.startsWith(NO_TRANSACTION) });
  }
  return files;
}

/** The psql floor's script and devup's config for a corpus's files. */
function corpusRun(dir, spec, server, files) {
  const schema = 'corpus';
  const noTransaction = files.filter((f) => f.noTransaction).length;
  const bytes = files.reduce((sum, f) => sum + Buffer.byteLength(f.sql), 0);

  // The floor: one psql process; a transaction per file, none for the no-transaction files.
  const floor = [`CREATE SCHEMA IF NOT EXISTS ${schema};`, `SET search_path TO ${schema}, public;`];
  // A vendor marker is a comment to psql.
  for (const f of files) floor.push(f.noTransaction ? f.sql : `BEGIN;\n${f.sql}\nCOMMIT;`);
  const floorCold = path.join(dir, 'floor-cold.sql');
  write(floorCold, `${floor.join('\n')}\n`);

  return {
    name: spec.name,
    files: files.length,
    noTransaction,
    bytes,
    floorCold,
    /** A devup config for `database`. */
    config: (database) => {
      const file = path.join(dir, database, 'devup.config.json');
      write(
        file,
        `${JSON.stringify(
          {
            project: `devup-bench-${spec.name}`,
            database: { engine: 'external', url: server.url(database) },
            services: { app: { cwd: dir, migrations: { dir: 'migrations', schema } } },
          },
          null,
          2,
        )}\n`,
      );
      return file;
    },
  };
}

/**
 * The corpus section: per corpus, a fresh database before every run, then devup migrate on
 * Node 20 and Node 24 and the psql floor, interleaved; and one extra --json run per Node version
 * for where the time goes.
 */
export async function corpusSuite({ server, repo, runs, node24, tempRoot }) {
  const results = [];
  const phases = {};
  const groups = [];
  const corpora = {};
  for (const spec of CORPORA) {
    const corpus = generateCorpus(path.join(tempRoot, spec.name), spec, server);
    const group = spec.name;
    const database = server.name(group.replaceAll('-', '_'));
    const config = corpus.config(database);
    const fresh = () => {
      server.freshDatabase(group.replaceAll('-', '_'));
    };
    const cold = coldCases({ repo, node24, server, group, database, config, fresh, floor: corpus.floorCold });
    const kb = Math.round(corpus.bytes / 1024);
    const content = spec.layout
      ? `realistic content${spec.layout === 'pairs' ? ', golang-migrate up/down pairs' : ''}`
      : 'DO blocks and functions';
    const title = `${group}: fresh database → ${corpus.files} files (${corpus.noTransaction} no-transaction, ${kb} kB; ${content})`;
    groups.push({ group, title });
    corpora[group] = { files: corpus.files, noTransaction: corpus.noTransaction, bytes: corpus.bytes };
    log(`\n== ${title}`);
    results.push(...(await runCases(cold.cases, runs, { title: group })), ...cold.skipped);
    for (const [tag, node] of [
      ['', process.execPath],
      [' (Node 24)', node24?.binary],
    ]) {
      if (!node) continue;
      fresh();
      phases[`${group}${tag}`] = await devupPhases(repo, config, node).catch((error) => ({ error: error.message }));
    }
    server.dropDatabase(database);
  }
  return { results, phases, groups, corpora };
}
