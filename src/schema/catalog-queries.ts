/**
 * The catalog queries behind a schema snapshot: one per kind of object, each over the whole schema
 * ($1), so reading 10 or 1000 tables costs the same handful of round trips. They run with
 * search_path = pg_catalog, so Postgres's own pg_get_*def functions qualify every name of the
 * tenant schema, which the reader then replaces with the `${schema}` placeholder. Names come back
 * quoted where Postgres needs it (quote_ident), ready for DDL.
 */

/** Objects created by an extension belong to the extension, not to the schema's DDL. */
const notFromExtension = (catalog: string, oid: string) =>
  `not exists (select 1 from pg_depend e where e.classid = '${catalog}'::regclass and e.objid = ${oid} and e.deptype = 'e')`;

export const RELATIONS_SQL = `
select quote_ident(c.relname) as name, c.relkind as kind, c.relpersistence = 'u' as unlogged,
  c.reloptions as options, c.relrowsecurity as rls, c.relforcerowsecurity as force_rls,
  case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end as partition_key,
  (select quote_ident(p.relname) from pg_inherits i join pg_class p on p.oid = i.inhparent
    where c.relispartition and i.inhrelid = c.oid) as partition_of,
  case when c.relispartition then pg_get_expr(c.relpartbound, c.oid) end as partition_bound,
  case when c.relkind in ('v', 'm') then pg_get_viewdef(c.oid) end as definition,
  array(select quote_ident(v.relname) from (select distinct r.relname from pg_rewrite w
    join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = w.oid and d.refclassid = 'pg_class'::regclass
    join pg_class r on r.oid = d.refobjid and r.oid <> c.oid and r.relkind in ('v', 'm') and r.relnamespace = c.relnamespace
    where w.ev_class = c.oid) v order by v.relname) as depends_on,
  case when c.relkind = 'c' then obj_description(c.reltype, 'pg_type') else obj_description(c.oid, 'pg_class') end as comment
from pg_class c
where c.relnamespace = $1::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'c')
  and ${notFromExtension('pg_class', 'c.oid')}
order by c.relname`;

export const COLUMNS_SQL = `
select quote_ident(c.relname) as relation, quote_ident(a.attname) as name, format_type(a.atttypid, a.atttypmod) as type,
  a.attnotnull as not_null, pg_get_expr(d.adbin, d.adrelid) as default, a.attidentity as identity,
  a.attgenerated as generated, a.attislocal as local,
  case when a.attcollation <> t.typcollation then a.attcollation::regcollation::text end as collation,
  col_description(c.oid, a.attnum) as comment
from pg_attribute a
join pg_class c on c.oid = a.attrelid
join pg_type t on t.oid = a.atttypid
left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
where c.relnamespace = $1::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'c')
  and a.attnum > 0 and not a.attisdropped
order by c.relname, a.attnum`;

/** Not-null constraints (contype 'n', Postgres 18) are rendered from the columns instead. */
export const CONSTRAINTS_SQL = `
select quote_ident(c.relname) as relation, quote_ident(k.conname) as name, k.contype as type, pg_get_constraintdef(k.oid) as definition,
  k.convalidated as validated,
  array(select quote_ident(a.attname) from unnest(k.conkey) with ordinality u(n, i)
    join pg_attribute a on a.attrelid = k.conrelid and a.attnum = u.n order by u.i) as columns,
  quote_ident(f.relname) as ref_table, f.relnamespace = c.relnamespace as ref_same_schema,
  array(select quote_ident(a.attname) from unnest(k.confkey) with ordinality u(n, i)
    join pg_attribute a on a.attrelid = k.confrelid and a.attnum = u.n order by u.i) as ref_columns,
  obj_description(k.oid, 'pg_constraint') as comment
from pg_constraint k
join pg_class c on c.oid = k.conrelid
left join pg_class f on f.oid = k.confrelid
where c.relnamespace = $1::regnamespace and k.contype in ('p', 'u', 'f', 'c', 'x')
  and k.conislocal and k.conparentid = 0
order by c.relname, k.conname`;

/** Indexes that a constraint owns are created by the constraint; those of partitions by the parent's. */
export const INDEXES_SQL = `
select quote_ident(c.relname) as relation, quote_ident(i.relname) as name, pg_get_indexdef(x.indexrelid) as definition,
  x.indisunique as unique, obj_description(i.oid, 'pg_class') as comment
from pg_index x
join pg_class i on i.oid = x.indexrelid
join pg_class c on c.oid = x.indrelid
where c.relnamespace = $1::regnamespace
  and not exists (select 1 from pg_constraint k
    where k.conrelid = x.indrelid and k.conindid = x.indexrelid and k.contype in ('p', 'u', 'x'))
  and not exists (select 1 from pg_inherits h where h.inhrelid = x.indexrelid)
order by c.relname, i.relname`;

export const TYPES_SQL = `
select quote_ident(t.typname) as name, t.typtype as kind,
  array(select e.enumlabel::text from pg_enum e where e.enumtypid = t.oid order by e.enumsortorder) as labels,
  case when t.typtype = 'd' then format_type(t.typbasetype, t.typtypmod) end as base_type,
  t.typnotnull as not_null, t.typdefault as default,
  case when t.typtype = 'd' and t.typcollation <> b.typcollation then t.typcollation::regcollation::text end as collation,
  array(select json_build_object('name', quote_ident(k.conname), 'definition', pg_get_constraintdef(k.oid))
    from pg_constraint k where k.contypid = t.oid and k.contype = 'c' order by k.conname) as checks,
  obj_description(t.oid, 'pg_type') as comment
from pg_type t
left join pg_type b on b.oid = t.typbasetype
where t.typnamespace = $1::regnamespace and t.typtype in ('e', 'd')
  and ${notFromExtension('pg_type', 't.oid')}
order by t.typname`;

/** Sequences, with the column that owns one (serial: 'a', identity: 'i'). */
export const SEQUENCES_SQL = `
select quote_ident(c.relname) as name, format_type(s.seqtypid, null) as type, s.seqstart::text as start,
  s.seqincrement::text as increment, s.seqmin::text as min, s.seqmax::text as max, s.seqcache::text as cache,
  s.seqcycle as cycle, d.deptype as owned, quote_ident(t.relname) as owner_table, quote_ident(a.attname) as owner_column,
  obj_description(c.oid, 'pg_class') as comment
from pg_sequence s
join pg_class c on c.oid = s.seqrelid
left join pg_depend d on d.classid = 'pg_class'::regclass and d.objid = c.oid
  and d.refclassid = 'pg_class'::regclass and d.deptype in ('a', 'i')
left join pg_class t on t.oid = d.refobjid
left join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
where c.relnamespace = $1::regnamespace and ${notFromExtension('pg_class', 'c.oid')}
order by c.relname`;

/**
 * Functions and procedures (aggregates have no pg_get_functiondef). `uses_row_type`: the signature
 * names a table's or view's row type, so the function can only be created after the tables.
 */
export const FUNCTIONS_SQL = `
select quote_ident(p.proname) as name, p.prokind as kind, pg_get_function_identity_arguments(p.oid) as arguments,
  pg_get_functiondef(p.oid) as definition, obj_description(p.oid, 'pg_proc') as comment,
  exists (select 1 from pg_type t join pg_class r on r.oid = t.typrelid and r.relkind <> 'c'
    where t.oid = any(array_append(coalesce(p.proallargtypes, p.proargtypes::oid[]), p.prorettype))
       or t.typarray = any(array_append(coalesce(p.proallargtypes, p.proargtypes::oid[]), p.prorettype))) as uses_row_type
from pg_proc p
where p.pronamespace = $1::regnamespace and p.prokind in ('f', 'p', 'w')
  and ${notFromExtension('pg_proc', 'p.oid')}
order by p.proname, pg_get_function_identity_arguments(p.oid) collate "C"`;

/** Triggers a user wrote (not those behind foreign keys, not the clones on partitions). */
export const TRIGGERS_SQL = `
select quote_ident(c.relname) as relation, quote_ident(t.tgname) as name, pg_get_triggerdef(t.oid) as definition,
  obj_description(t.oid, 'pg_trigger') as comment
from pg_trigger t
join pg_class c on c.oid = t.tgrelid
where c.relnamespace = $1::regnamespace and not t.tgisinternal and t.tgparentid = 0
order by c.relname, t.tgname`;

export const POLICIES_SQL = `
select quote_ident(c.relname) as relation, quote_ident(p.polname) as name, p.polcmd as command, p.polpermissive as permissive,
  case when p.polroles = '{0}' then array['public']
    else array(select quote_ident(r.rolname) from pg_roles r where r.oid = any(p.polroles) order by r.rolname) end as roles,
  pg_get_expr(p.polqual, p.polrelid) as using, pg_get_expr(p.polwithcheck, p.polrelid) as with_check,
  obj_description(p.oid, 'pg_policy') as comment
from pg_policy p
join pg_class c on c.oid = p.polrelid
where c.relnamespace = $1::regnamespace
order by c.relname, p.polname`;

/**
 * Extensions installed in the schema, and those elsewhere that the schema's objects use (a column
 * of type citext, an index with a btree_gist operator class, a default calling uuid_generate_v4).
 */
export const EXTENSIONS_SQL = `
with used as (
  select d.refclassid, d.refobjid from pg_depend d
  where d.deptype = 'n' and d.refclassid in ('pg_type'::regclass, 'pg_proc'::regclass, 'pg_opclass'::regclass, 'pg_operator'::regclass)
    and $1::regnamespace = case d.classid
      when 'pg_class'::regclass then (select relnamespace from pg_class where oid = d.objid)
      when 'pg_attrdef'::regclass then (select c.relnamespace from pg_attrdef x join pg_class c on c.oid = x.adrelid where x.oid = d.objid)
      when 'pg_rewrite'::regclass then (select c.relnamespace from pg_rewrite x join pg_class c on c.oid = x.ev_class where x.oid = d.objid)
      when 'pg_constraint'::regclass then (select connamespace from pg_constraint where oid = d.objid)
      when 'pg_proc'::regclass then (select pronamespace from pg_proc where oid = d.objid)
      when 'pg_type'::regclass then (select typnamespace from pg_type where oid = d.objid)
      when 'pg_trigger'::regclass then (select c.relnamespace from pg_trigger x join pg_class c on c.oid = x.tgrelid where x.oid = d.objid)
    end
)
select quote_ident(e.extname) as name, quote_ident(n.nspname) as schema
from pg_extension e
join pg_namespace n on n.oid = e.extnamespace
where e.extnamespace = $1::regnamespace
   or e.oid in (select m.refobjid from pg_depend m join used u on u.refclassid = m.classid and u.refobjid = m.objid
     where m.refclassid = 'pg_extension'::regclass and m.deptype = 'e')
order by e.extname`;
