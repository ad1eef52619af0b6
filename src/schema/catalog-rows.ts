import type { Column, Constraint, Domain, Index, Policy, Relation, Sequence, SqlFunction } from './catalog-types.js';

// One row of a catalog query as the catalog's own type (the queries name their columns so).

export type Row = Record<string, unknown>;

export const str = (value: unknown): string => String(value ?? '');
export const opt = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

/** A table, view or composite type, with its columns, constraints and indexes. */
export function toRelation(
  row: Row,
  parts: { columns: Map<string, Column[]>; constraints: Map<string, Constraint[]>; indexes: Map<string, Index[]> },
): Relation {
  const name = str(row.name);
  return {
    name,
    kind: str(row.kind) as Relation['kind'],
    unlogged: row.unlogged === true,
    options: (row.options as string[] | null) ?? [],
    rls: row.rls === true,
    forceRls: row.force_rls === true,
    partitionKey: opt(row.partition_key),
    partitionOf: row.partition_of ? { parent: str(row.partition_of), bound: str(row.partition_bound) } : undefined,
    definition: opt(row.definition),
    dependsOn: (row.depends_on as string[] | null) ?? [],
    comment: opt(row.comment),
    columns: parts.columns.get(name) ?? [],
    constraints: parts.constraints.get(name) ?? [],
    indexes: parts.indexes.get(name) ?? [],
  };
}

export function toIndex(row: Row): Index {
  return {
    name: str(row.name),
    definition: str(row.definition),
    unique: row.unique === true,
    comment: opt(row.comment),
  };
}

export function toFunction(row: Row): SqlFunction {
  return {
    name: str(row.name),
    kind: str(row.kind) as SqlFunction['kind'],
    arguments: str(row.arguments),
    definition: str(row.definition),
    comment: opt(row.comment),
    usesRowType: row.uses_row_type === true,
  };
}

export function toPolicy(row: Row): Policy {
  return {
    name: str(row.name),
    relation: str(row.relation),
    command: str(row.command),
    permissive: row.permissive === true,
    roles: row.roles as string[],
    using: opt(row.using),
    withCheck: opt(row.with_check),
    comment: opt(row.comment),
  };
}

export function toColumn(row: Row): Column {
  return {
    name: str(row.name),
    type: str(row.type),
    notNull: row.not_null === true,
    default: opt(row.default),
    identity: str(row.identity),
    generated: str(row.generated),
    local: row.local !== false,
    collation: opt(row.collation),
    comment: opt(row.comment),
  };
}

export function toConstraint(row: Row): Constraint {
  return {
    name: str(row.name),
    type: str(row.type) as Constraint['type'],
    definition: str(row.definition),
    validated: row.validated !== false,
    columns: row.columns as string[],
    references:
      row.ref_table && row.ref_same_schema
        ? { table: str(row.ref_table), columns: row.ref_columns as string[] }
        : undefined,
    comment: opt(row.comment),
  };
}

export function toDomain(row: Row): Domain {
  return {
    name: str(row.name),
    baseType: str(row.base_type),
    notNull: row.not_null === true,
    default: opt(row.default),
    collation: opt(row.collation),
    checks: (row.checks as { name: string; definition: string }[]).map((c) => ({
      name: c.name,
      definition: c.definition,
    })),
    comment: opt(row.comment),
  };
}

export function toSequence(row: Row): Sequence {
  return {
    name: str(row.name),
    type: str(row.type),
    start: str(row.start),
    increment: str(row.increment),
    min: str(row.min),
    max: str(row.max),
    cache: str(row.cache),
    cycle: row.cycle === true,
    owner: row.owner_table
      ? { kind: str(row.owned) as 'a' | 'i', table: str(row.owner_table), column: str(row.owner_column) }
      : undefined,
    comment: opt(row.comment),
  };
}
