import type pg from 'pg';
import { substitutePlaceholders } from '../../../src/migrations/sql/placeholders.js';

/**
 * An independent description of a schema for comparing two of them: drawn from information_schema
 * and the pg_* views rather than from the queries `devup schema` uses, one sorted line per fact,
 * the schema's name replaced by S. Columns are numbered by position, so a column dropped on the
 * way (a gap in attnum) does not count as a difference.
 */
export async function catalogFingerprint(client: pg.Client, schema: string, skip: string[] = []): Promise<string[]> {
  const { rows } = await client.query<{ line: string }>(
    `
    with skipped as (select unnest($2::text[]) as name),
    kept as (select c.oid from pg_class c where c.relnamespace = $1::regnamespace
      and not exists (select 1 from skipped where c.relname = name or c.relname like name || '_%'))
    select 'relation ' || c.relname || ' ' || c.relkind::text || ' ' || c.relpersistence::text || ' rls=' || c.relrowsecurity
      || ' force=' || c.relforcerowsecurity || ' ' || coalesce(array_to_string(c.reloptions, ','), '')
      || ' ' || coalesce(pg_get_expr(c.relpartbound, c.oid), '') as line
      from pg_class c where c.oid in (select oid from kept) and c.relkind in ('r', 'p', 'v', 'm', 'c')
    union all
    select 'column ' || table_name || ' #' || row_number() over (partition by table_name order by ordinal_position)
      || ' ' || column_name || ' ' || data_type || ' ' || udt_name || ' null=' || is_nullable
      || ' default=' || coalesce(column_default, '') || ' identity=' || coalesce(identity_generation, '')
      || ' generated=' || coalesce(generation_expression, '') || ' collation=' || coalesce(collation_name, '')
      from information_schema.columns where table_schema::text = $1::text
      and (quote_ident(table_schema) || '.' || quote_ident(table_name))::regclass in (select oid from kept)
    union all
    select 'constraint ' || coalesce(conrelid::regclass::text, '') || ' ' || conname || ' ' || pg_get_constraintdef(oid)
      from pg_constraint where connamespace = $1::regnamespace and contype <> 'n'
      and (conrelid = 0 or conrelid in (select oid from kept))
    union all
    select 'index ' || indexname || ' ' || indexdef from pg_indexes
      where schemaname::text = $1::text and (quote_ident(schemaname) || '.' || quote_ident(tablename))::regclass in (select oid from kept)
    union all
    select 'view ' || viewname || ' ' || definition from pg_views where schemaname::text = $1::text
    union all
    select 'matview ' || matviewname || ' ' || definition from pg_matviews where schemaname::text = $1::text
    union all
    select 'routine ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') ' || p.prokind::text || ' '
      || coalesce(pg_get_function_result(p.oid), '') || ' ' || p.provolatile::text || ' ' || p.prosrc
      from pg_proc p where p.pronamespace = $1::regnamespace
    union all
    select 'trigger ' || pg_get_triggerdef(t.oid) from pg_trigger t join pg_class c on c.oid = t.tgrelid
      where c.relnamespace = $1::regnamespace and not t.tgisinternal
    union all
    select 'type ' || t.typname || ' ' || t.typtype::text || ' ' || format_type(t.typbasetype, t.typtypmod) || ' notnull='
      || t.typnotnull || ' ' || coalesce((select string_agg(e.enumlabel, ',' order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid), '')
      from pg_type t where t.typnamespace = $1::regnamespace and t.typtype in ('e', 'd', 'c')
      and (t.typrelid = 0 or t.typrelid in (select oid from kept))
    union all
    select 'sequence ' || sequencename || ' ' || data_type || ' ' || start_value || ' ' || min_value || ' ' || max_value
      || ' ' || increment_by || ' ' || cycle || ' ' || cache_size from pg_sequences where schemaname::text = $1::text
      and (quote_ident(schemaname) || '.' || quote_ident(sequencename))::regclass in (select oid from kept)
    union all
    select 'policy ' || tablename || ' ' || policyname || ' ' || permissive || ' ' || array_to_string(roles, ',') || ' '
      || cmd || ' ' || coalesce(qual, '') || ' ' || coalesce(with_check, '') from pg_policies where schemaname::text = $1::text
    union all
    select 'comment ' || pg_describe_object(d.classoid, d.objoid, d.objsubid) || ' ' || d.description
      from pg_description d where (pg_identify_object(d.classoid, d.objoid, 0)).schema = $1::text
    `,
    [schema, skip],
  );
  const own = new RegExp(`\\b${schema}\\b`, 'g');
  return rows.map((r) => r.line.replace(own, 'S')).sort();
}

/** Runs a migration-style SQL file in `schema`, as devup would: placeholders substituted, search_path set. */
export async function applySqlToSchema(client: pg.Client, schema: string, sql: string): Promise<void> {
  await client.query(`create schema if not exists "${schema}"`);
  await client.query(`set search_path to "${schema}"`);
  try {
    await client.query(substitutePlaceholders(sql, { schema, tenant: 'default' }).text);
  } finally {
    await client.query('reset search_path');
  }
}
