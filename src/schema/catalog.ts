import type pg from 'pg';
import { UserError } from '../errors.js';
import {
  COLUMNS_SQL,
  CONSTRAINTS_SQL,
  EXTENSIONS_SQL,
  FUNCTIONS_SQL,
  INDEXES_SQL,
  POLICIES_SQL,
  RELATIONS_SQL,
  SEQUENCES_SQL,
  TRIGGERS_SQL,
  TYPES_SQL,
} from './catalog-queries.js';
import {
  opt,
  type Row,
  str,
  toColumn,
  toConstraint,
  toDomain,
  toFunction,
  toIndex,
  toPolicy,
  toRelation,
  toSequence,
} from './catalog-rows.js';
import type { Catalog, Relation } from './catalog-types.js';
import { neutraliseSchema, SCHEMA_PLACEHOLDER } from './placeholder.js';

export type * from './catalog-types.js';

export interface ReadOptions {
  /** Tables left out with everything that belongs to them (history tables, `schema.exclude`). */
  excludeTable?: (name: string) => boolean;
}

/** The schema to read is not there (a database not migrated yet). */
export class MissingSchemaError extends UserError {
  constructor(readonly schema: string) {
    super(`schema "${schema}" does not exist in the database`, {
      hint: 'Run `devup migrate` first, or build from zero with `devup schema` (without --from-dev).',
    });
  }
}

/**
 * Reads a schema in one read-only snapshot with ten queries, whatever its size. `search_path` is
 * pg_catalog alone so every name in the schema comes back qualified, then made tenant-neutral.
 */
export async function readCatalog(client: pg.Client, schema: string, options: ReadOptions = {}): Promise<Catalog> {
  const queries = [
    RELATIONS_SQL,
    COLUMNS_SQL,
    CONSTRAINTS_SQL,
    INDEXES_SQL,
    TYPES_SQL,
    SEQUENCES_SQL,
    FUNCTIONS_SQL,
    TRIGGERS_SQL,
    POLICIES_SQL,
    EXTENSIONS_SQL,
  ];
  const results: Row[][] = [];
  await client.query('begin isolation level repeatable read, read only');
  try {
    await client.query('set local search_path = pg_catalog');
    const found = await client.query('select to_regnamespace($1) is not null as found', [schema]);
    if (found.rows[0]?.found !== true) throw new MissingSchemaError(schema);
    for (const sql of queries) results.push((await client.query(sql, [schema])).rows);
  } finally {
    // Read-only: nothing to keep, so the snapshot always ends with a rollback.
    await client.query('rollback').catch(() => {});
  }
  const neutral = results.map((rows) => rows.map((row) => neutraliseRow(row, schema)));
  const [relations, columns, constraints, indexes, types, sequences, functions, triggers, policies, extensions] =
    neutral as [Row[], Row[], Row[], Row[], Row[], Row[], Row[], Row[], Row[], Row[]];
  for (const row of extensions)
    if (row.schema === schema || row.schema === `"${schema}"`) row.schema = SCHEMA_PLACEHOLDER;
  const excluded = options.excludeTable ?? (() => false);
  return assemble(
    { relations, columns, constraints, indexes, types, sequences, functions, triggers, policies, extensions },
    excluded,
  );
}

function neutraliseRow(row: Row, schema: string): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) {
    if (typeof value === 'string') out[key] = neutraliseSchema(value, schema);
    else if (Array.isArray(value))
      out[key] = value.map((v) =>
        typeof v === 'string' ? neutraliseSchema(v, schema) : v && typeof v === 'object' ? neutraliseRow(v, schema) : v,
      );
    else out[key] = value;
  }
  return out;
}

function groupBy<T>(rows: Row[], key: string, map: (row: Row) => T): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const name = str(row[key]);
    const list = groups.get(name) ?? [];
    list.push(map(row));
    groups.set(name, list);
  }
  return groups;
}

function assemble(r: Record<string, Row[]>, excluded: (name: string) => boolean): Catalog {
  const kept = (row: Row, key = 'relation') => !excluded(str(row[key]));
  const columns = groupBy(
    r.columns!.filter((x) => kept(x)),
    'relation',
    toColumn,
  );
  const constraints = groupBy(
    r.constraints!.filter((x) => kept(x)),
    'relation',
    toConstraint,
  );
  const indexes = groupBy(
    r.indexes!.filter((x) => kept(x)),
    'relation',
    toIndex,
  );
  const relations = r
    .relations!.filter((x) => kept(x, 'name'))
    .map((row) => toRelation(row, { columns, constraints, indexes }));
  return {
    extensions: r.extensions!.map((row) => ({ name: str(row.name), schema: str(row.schema) })),
    enums: r
      .types!.filter((row) => row.kind === 'e')
      .map((row) => ({ name: str(row.name), labels: row.labels as string[], comment: opt(row.comment) })),
    domains: r.types!.filter((row) => row.kind === 'd').map(toDomain),
    composites: relations.filter((x) => x.kind === 'c'),
    sequences: r.sequences!.filter((row) => !row.owner_table || kept(row, 'owner_table')).map(toSequence),
    tables: orderPartitions(relations.filter((x) => x.kind === 'r' || x.kind === 'p')),
    views: orderViews(relations.filter((x) => x.kind === 'v' || x.kind === 'm')),
    functions: r.functions!.map(toFunction),
    triggers: r
      .triggers!.filter((x) => kept(x))
      .map((row) => ({
        name: str(row.name),
        relation: str(row.relation),
        definition: str(row.definition),
        comment: opt(row.comment),
      })),
    policies: r.policies!.filter((x) => kept(x)).map(toPolicy),
  };
}

/** A partition after its parent (which may itself be a partition); otherwise by name. */
function orderPartitions(tables: Relation[]): Relation[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const depth = (t: Relation, seen = 0): number => {
    const parent = t.partitionOf && byName.get(t.partitionOf.parent);
    return parent && seen < tables.length ? 1 + depth(parent, seen + 1) : 0;
  };
  return tables
    .map((t) => ({ t, d: depth(t) }))
    .sort((a, b) => a.d - b.d || (a.t.name < b.t.name ? -1 : a.t.name > b.t.name ? 1 : 0))
    .map((x) => x.t);
}

/** Views in name order, except that a view comes after every view it reads from. */
function orderViews(views: Relation[]): Relation[] {
  const byName = new Map(views.map((v) => [v.name, v]));
  const ordered: Relation[] = [];
  const placed = new Set<string>();
  const visit = (view: Relation, path: Set<string>) => {
    if (placed.has(view.name) || path.has(view.name)) return;
    path.add(view.name);
    for (const dep of view.dependsOn) {
      const target = byName.get(dep);
      if (target) visit(target, path);
    }
    placed.add(view.name);
    ordered.push(view);
  };
  for (const view of views) visit(view, new Set());
  return ordered;
}
