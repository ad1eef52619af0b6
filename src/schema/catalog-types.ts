/** One schema as its catalog describes it, tenant-neutral: the schema's name is `${schema}`. */
export interface Catalog {
  extensions: { name: string /** `${schema}` when installed in the schema itself. */; schema: string }[];
  enums: { name: string; labels: string[]; comment: string | null }[];
  domains: Domain[];
  composites: Relation[];
  sequences: Sequence[];
  tables: Table[];
  /** Views and materialized views, each after the views it reads from. */
  views: Relation[];
  functions: SqlFunction[];
  triggers: Trigger[];
  policies: Policy[];
}

export interface Column {
  name: string;
  type: string;
  notNull: boolean;
  default: string | null;
  /** 'a' always, 'd' by default, '' not an identity column. */
  identity: string;
  /** 's' stored, 'v' virtual, '' not generated. */
  generated: string;
  /** Inherited from a partitioned parent: created by the parent. */
  local: boolean;
  collation: string | null;
  comment: string | null;
}

export interface Constraint {
  name: string;
  /** p primary key, u unique, f foreign key, c check, x exclusion. */
  type: 'p' | 'u' | 'f' | 'c' | 'x';
  definition: string;
  validated: boolean;
  columns: string[];
  /** Foreign keys: the referenced table, when it is in the same schema. */
  references: { table: string; columns: string[] } | undefined;
  comment: string | null;
}

export interface Index {
  name: string;
  definition: string;
  unique: boolean;
  comment: string | null;
}

export interface Relation {
  name: string;
  /** r table, p partitioned table, v view, m materialized view, c composite type. */
  kind: 'r' | 'p' | 'v' | 'm' | 'c';
  unlogged: boolean;
  options: string[];
  rls: boolean;
  forceRls: boolean;
  partitionKey: string | null;
  partitionOf: { parent: string; bound: string } | undefined;
  definition: string | null;
  dependsOn: string[];
  comment: string | null;
  columns: Column[];
  constraints: Constraint[];
  indexes: Index[];
}
export type Table = Relation;

export interface Domain {
  name: string;
  baseType: string;
  notNull: boolean;
  default: string | null;
  collation: string | null;
  checks: { name: string; definition: string }[];
  comment: string | null;
}

export interface Sequence {
  name: string;
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
  /** The column a serial ('a') or identity ('i') sequence belongs to. */
  owner: { kind: 'a' | 'i'; table: string; column: string } | undefined;
  comment: string | null;
}

export interface SqlFunction {
  name: string;
  kind: 'f' | 'p' | 'w';
  arguments: string;
  definition: string;
  comment: string | null;
  /** Its signature names a table's row type: created after the tables. */
  usesRowType: boolean;
}

export interface Trigger {
  name: string;
  relation: string;
  definition: string;
  comment: string | null;
}

export interface Policy {
  name: string;
  relation: string;
  command: string;
  permissive: boolean;
  roles: string[];
  using: string | null;
  withCheck: string | null;
  comment: string | null;
}
