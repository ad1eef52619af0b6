// schema: reading a 100-table schema's catalog and rendering <service>.sql and <service>.md
// (what `devup schema`, `devup check` and the refresh after a migration do per service), in
// process, against pg_dump --schema-only of the same schema.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCases } from './measure.mjs';
import { PG_BIN } from './postgres.mjs';
import { timeCommand } from './util.mjs';

export const SCHEMA_TABLES = 100;

/** 100 tables, each with an identity key, a foreign key to the one before, a check, two indexes and comments. */
function schemaSql(schema) {
  const lines = [`create schema ${schema};`, `set search_path to ${schema};`];
  for (let i = 0; i < SCHEMA_TABLES; i++) {
    const parent = i > 0 ? `,\n  parent_id bigint references t${i - 1} (id) on delete cascade` : '';
    lines.push(
      `create table t${i} (
  id bigint generated always as identity primary key,
  name text not null,
  status text not null default 'new' check (status in ('new', 'done')),
  amount numeric(12, 2),
  created_at timestamptz not null default now(),
  note text${parent}
);`,
      `create index t${i}_name_idx on t${i} (name);`,
      `create index t${i}_created_at_idx on t${i} (created_at) where status = 'new';`,
      `comment on table t${i} is 'table ${i}';`,
      `comment on column t${i}.note is 'free text';`,
    );
  }
  return lines.join('\n');
}

export async function schemaSuite({ server, repo, runs }) {
  const database = server.freshDatabase('schema');
  const schema = 'bench_schema';
  server.sql(schemaSql(schema), database);
  const dist = (file) => import(pathToFileURL(path.join(repo, 'dist', file)).href);
  const { connect } = await dist('database/connection/connection.js');
  const { readServiceCatalog, renderServiceFiles } = await dist('schema/schema-docs.js');
  const client = await connect({ ...server.info, database });
  const group = 'schema';
  try {
    return await runCases(
      [
        {
          id: `${group}.devup`,
          group,
          kind: 'devup',
          label: 'devup: read the catalog + render .sql and .md (in process)',
          async run() {
            const started = performance.now();
            const catalog = await readServiceCatalog(client, { service: 'bench', schema, database: undefined });
            const files = renderServiceFiles('bench', catalog);
            const ms = performance.now() - started;
            if (catalog.tables.length !== SCHEMA_TABLES || !files.get('bench.md')?.includes('erDiagram')) {
              throw new Error(`read ${catalog.tables.length} tables, expected ${SCHEMA_TABLES}`);
            }
            return ms;
          },
        },
        {
          id: `${group}.pg_dump`,
          group,
          kind: 'peer',
          label: 'pg_dump --schema-only -n (process)',
          async run() {
            const { ms } = await timeCommand(path.join(PG_BIN, 'pg_dump'), ['--schema-only', '-n', schema, database], {
              env: server.env,
              timeoutMs: 60_000,
            });
            return ms;
          },
        },
      ],
      runs,
      { title: 'schema' },
    );
  } finally {
    await client.end();
  }
}
