// bootstrap: a fresh target built from the committed schema snapshot (`migrations.bootstrap:
// 'schema'`: load <service>.sql, record the migrations it covers) against replaying the same 300
// migrations one by one, in process, on one connection. Two corpora: small DDL (one statement or
// two per file, the shape the integration test uses) and a history shaped like a real one, where
// objects are made, altered, replaced and dropped again, with functions, triggers, views and data
// backfills, so that the snapshot holds only the end state of what the replay walks through.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCases } from './measure.mjs';

export const BOOTSTRAP_MIGRATIONS = 300;

/** One or two small DDL statements per file. */
function smallStep(i) {
  const t = `t${Math.floor(i / 4)}`;
  return [
    `create table ${t} (id bigint generated always as identity primary key, name text not null, created_at timestamptz default now());`,
    `alter table ${t} add column note text;\ncomment on column ${t}.note is 'added later';`,
    `create index ${t}_name on ${t} (name);`,
    `create function ${t}_count() returns bigint language sql as $$ select count(*) from ${t}; $$;`,
  ][i % 4];
}

/** Ten files per table: made, indexed, widened, given a trigger, backfilled, viewed, reworked. */
function mixedStep(i) {
  const n = Math.floor(i / 10);
  const t = `orders_${n}`;
  const parent = n > 0 ? `,\n  parent_id bigint references orders_${n - 1} (id) on delete set null` : '';
  return [
    `create table ${t} (
  id bigint generated always as identity primary key,
  name text not null,
  status text,
  note text,
  created_at timestamptz not null default now()${parent}
);
create index ${t}_name on ${t} (name);`,
    `alter table ${t} add column amount numeric(12, 2);
alter table ${t} add column updated_at timestamptz;
create index ${t}_created on ${t} (created_at);`,
    `create or replace function ${t}_touch() returns trigger language plpgsql as $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
create trigger ${t}_touch before update on ${t} for each row execute function ${t}_touch();`,
    `-- backfill: every row gets a status before the column becomes required
update ${t} set status = 'new' where status is null;
alter table ${t} alter column status set default 'new';
alter table ${t} alter column status set not null;`,
    `create view ${t}_open as select id, name, amount from ${t} where status = 'new';`,
    `-- rework: the name index becomes unique on lower(name), the view follows a new column
drop view ${t}_open;
drop index ${t}_name;
create unique index ${t}_name_lower on ${t} (lower(name));
alter table ${t} add column customer text;
create view ${t}_open as select id, name, customer, amount from ${t} where status = 'new';`,
    `-- backfill through a staging table, dropped again
create table ${t}_staging as select id, note from ${t};
update ${t} o set customer = s.note from ${t}_staging s where s.id = o.id and o.customer is null;
drop table ${t}_staging;`,
    `create or replace function ${t}_total(p_status text) returns numeric language plpgsql stable as $$
DECLARE
  total numeric;
BEGIN
  SELECT coalesce(sum(amount), 0) INTO total FROM ${t} WHERE status = p_status;
  RETURN total;
END
$$;
alter table ${t} add constraint ${t}_amount_positive check (amount is null or amount >= 0);`,
    `DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = '${t}_kind' AND typnamespace = current_schema()::regnamespace) THEN
    CREATE TYPE ${t}_kind AS ENUM ('retail', 'wholesale');
  END IF;
END
$$;
alter table ${t} add column kind ${t}_kind;
update ${t} set kind = 'retail' where kind is null;`,
    `-- tidy up: a column renamed, an index that did not pay off dropped, the function's second version
alter table ${t} rename column note to remarks;
drop index ${t}_created;
create index ${t}_open_created on ${t} (created_at) where status = 'new';
comment on table ${t} is 'orders, part ${n}';
create or replace function ${t}_touch() returns trigger language plpgsql as $$
BEGIN
  NEW.updated_at := clock_timestamp();
  RETURN NEW;
END
$$;`,
  ][i % 10];
}

export const BOOTSTRAP_CORPORA = [
  { name: 'small', title: 'small DDL, 1–2 statements a file', step: smallStep },
  { name: 'mixed', title: 'a history: tables reworked, functions, triggers, views, backfills', step: mixedStep },
];

function writeCorpus(dir, step) {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < BOOTSTRAP_MIGRATIONS; i++) {
    writeFileSync(path.join(dir, `${String(i + 1).padStart(4, '0')}_step.sql`), `${step(i)}\n`);
  }
}

/** The cases of one corpus: the snapshot (the "devup" row) against the replay. */
async function corpusCases({ server, dist, database, client, dir, corpus }) {
  const { discoverMigrations } = await dist('migrations/sql/discover.js');
  const { applyTarget } = await dist('migrations/sql/apply.js');
  const { renderSchemaDocs } = await dist('schema/schema-docs.js');
  const migrationsDir = path.join(dir, 'migrations');
  writeCorpus(migrationsDir, corpus.step);
  const base = { service: 'shop', tenant: 'bench', database: undefined, migrations: discoverMigrations(migrationsDir) };
  // The snapshot as `devup schema` writes it, from a replayed schema.
  await applyTarget(client, { ...base, schema: `boot_${corpus.name}_source` });
  const docs = await renderSchemaDocs({ ...server.info, database }, [
    { service: 'shop', schema: `boot_${corpus.name}_source`, database: undefined },
  ]);
  const snapshot = path.join(dir, 'shop.sql');
  writeFileSync(snapshot, docs.get('shop.sql') ?? '');
  let round = 0;
  const fresh = async (bootstrap) => {
    const schema = `boot_${corpus.name}_${round++}`;
    const started = performance.now();
    const result = await applyTarget(client, { ...base, schema, bootstrap });
    const ms = performance.now() - started;
    if (result.applied.length !== BOOTSTRAP_MIGRATIONS) {
      throw new Error(`${schema}: ${result.applied.length} migrations recorded, expected ${BOOTSTRAP_MIGRATIONS}`);
    }
    await client.query(`drop schema ${schema} cascade`);
    return ms;
  };
  const group = `bootstrap-${corpus.name}`;
  return {
    group,
    cases: [
      {
        id: `${group}.devup`,
        group,
        kind: 'devup',
        label: `from the snapshot (${corpus.name})`,
        run: () => fresh(snapshot),
      },
      {
        id: `${group}.replay`,
        group,
        kind: 'peer',
        label: `replay ${BOOTSTRAP_MIGRATIONS} migrations (${corpus.name})`,
        run: () => fresh(undefined),
      },
    ],
  };
}

export async function bootstrapSuite({ server, repo, runs, tempRoot }) {
  const dist = (file) => import(pathToFileURL(path.join(repo, 'dist', file)).href);
  const { connect } = await dist('database/connection/connection.js');
  const database = server.freshDatabase('bootstrap');
  const client = await connect({ ...server.info, database });
  const groups = [];
  const results = [];
  try {
    for (const corpus of BOOTSTRAP_CORPORA) {
      const dir = path.join(tempRoot, `bootstrap-${corpus.name}`);
      const { group, cases } = await corpusCases({ server, dist, database, client, dir, corpus });
      groups.push({
        group,
        title: `bootstrap: a fresh target, ${BOOTSTRAP_MIGRATIONS} migrations (${corpus.title}), in process`,
      });
      results.push(...(await runCases(cases, runs, { title: group })));
    }
  } finally {
    await client.end();
  }
  return { groups, results };
}
