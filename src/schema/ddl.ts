import type { Catalog, Column, Constraint, Domain, Relation, Sequence, SqlFunction } from './catalog.js';
import { SCHEMA_PLACEHOLDER } from './placeholder.js';

const S = SCHEMA_PLACEHOLDER;
const INDENT = '    ';

const qualified = (name: string) => `${S}.${name}`;
const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
const statement = (text: string) => `${text.trimEnd().replace(/;$/, '')};`;

/**
 * `<service>.sql`: the schema as DDL, in an order that applies to an empty schema. Objects that
 * others need come first (extensions, types, sequences, functions that name no table), then
 * tables, views, the rest of the functions, and what ties tables together (foreign keys, indexes,
 * triggers, policies). Inside a section, objects are in name order.
 */
export function renderSchemaSql(catalog: Catalog, service: string): string {
  const identities = new Map(
    catalog.sequences.filter((s) => s.owner?.kind === 'i').map((s) => [`${s.owner!.table}.${s.owner!.column}`, s]),
  );
  const sections: [string, string[]][] = [
    ['Extensions', catalog.extensions.map((e) => `CREATE EXTENSION IF NOT EXISTS ${e.name} WITH SCHEMA ${e.schema};`)],
    [
      'Types',
      [
        ...catalog.enums.map((e) =>
          withComment(
            `CREATE TYPE ${qualified(e.name)} AS ENUM (\n${e.labels.map((l) => INDENT + literal(l)).join(',\n')}\n);`,
            `TYPE ${qualified(e.name)}`,
            e.comment,
          ),
        ),
        ...catalog.domains.map(renderDomain),
        ...catalog.composites.map(renderComposite),
      ],
    ],
    ['Sequences', catalog.sequences.filter((s) => s.owner?.kind !== 'i').map(renderSequence)],
    ['Functions', catalog.functions.filter((f) => !f.usesRowType).map(renderFunction)],
    ['Tables', catalog.tables.map((t) => renderTable(t, identities))],
    ['Functions on table row types', catalog.functions.filter((f) => f.usesRowType).map(renderFunction)],
    ['Views', catalog.views.map(renderView)],
    [
      'Sequence owners',
      catalog.sequences
        .filter((s) => s.owner?.kind === 'a')
        .map((s) => `ALTER SEQUENCE ${qualified(s.name)} OWNED BY ${qualified(s.owner!.table)}.${s.owner!.column};`),
    ],
    ['Foreign keys and constraints added later', catalog.tables.flatMap(renderLaterConstraints)],
    [
      'Indexes',
      [...catalog.tables, ...catalog.views].flatMap((r) =>
        r.indexes.map((i) =>
          withComment(statement(indexDefinition(i.definition)), `INDEX ${qualified(i.name)}`, i.comment),
        ),
      ),
    ],
    [
      'Triggers',
      catalog.triggers.map((t) =>
        withComment(statement(t.definition), `TRIGGER ${t.name} ON ${qualified(t.relation)}`, t.comment),
      ),
    ],
    ['Row-level security', renderRowLevelSecurity(catalog)],
  ];
  const body = sections
    .filter(([, statements]) => statements.length > 0)
    .map(([title, statements]) => `-- ${title}\n\n${statements.join('\n\n')}`)
    .join('\n\n');
  return `-- Schema of the service "${service}", written by \`devup schema\`: do not edit by hand.
-- ${S} stands for the tenant's schema; apply with devup's placeholder substitution.

SET check_function_bodies = false;
CREATE SCHEMA IF NOT EXISTS ${S};
${body ? `\n${body}\n` : ''}`;
}

function withComment(sql: string, target: string, comment: string | null): string {
  return comment === null ? sql : `${sql}\nCOMMENT ON ${target} IS ${literal(comment)};`;
}

/** A partitioned table's index is created ON the parent, so its partitions get theirs too. */
function indexDefinition(definition: string): string {
  return definition.replace(/ ON ONLY /, ' ON ');
}

function renderDomain(d: Domain): string {
  const parts = [`CREATE DOMAIN ${qualified(d.name)} AS ${d.baseType}`];
  if (d.collation) parts.push(`COLLATE ${d.collation}`);
  if (d.default !== null) parts.push(`DEFAULT ${d.default}`);
  if (d.notNull) parts.push('NOT NULL');
  const checks = d.checks.map((c) => `\n${INDENT}CONSTRAINT ${c.name} ${c.definition}`).join('');
  return withComment(`${parts.join(' ')}${checks};`, `DOMAIN ${qualified(d.name)}`, d.comment);
}

function renderComposite(c: Relation): string {
  const attributes = c.columns.map(
    (a) => `${INDENT}${a.name} ${a.type}${a.collation ? ` COLLATE ${a.collation}` : ''}`,
  );
  return withComment(
    `CREATE TYPE ${qualified(c.name)} AS (\n${attributes.join(',\n')}\n);${columnComments(c)}`,
    `TYPE ${qualified(c.name)}`,
    c.comment,
  );
}

function sequenceOptions(s: Sequence): string[] {
  return [
    ...(s.type === 'bigint' ? [] : [`AS ${s.type}`]),
    `START WITH ${s.start}`,
    `INCREMENT BY ${s.increment}`,
    `MINVALUE ${s.min}`,
    `MAXVALUE ${s.max}`,
    `CACHE ${s.cache}`,
    ...(s.cycle ? ['CYCLE'] : []),
  ];
}

function renderSequence(s: Sequence): string {
  return withComment(
    `CREATE SEQUENCE ${qualified(s.name)}\n${sequenceOptions(s)
      .map((o) => INDENT + o)
      .join('\n')};`,
    `SEQUENCE ${qualified(s.name)}`,
    s.comment,
  );
}

function renderFunction(f: SqlFunction): string {
  const kind = f.kind === 'p' ? 'PROCEDURE' : 'FUNCTION';
  return withComment(statement(f.definition), `${kind} ${qualified(f.name)}(${f.arguments})`, f.comment);
}

const TYPE_MAX: Record<string, string> = {
  smallint: '32767',
  integer: '2147483647',
  bigint: '9223372036854775807',
};

/** Identity options, only when they differ from what `GENERATED ... AS IDENTITY` would choose. */
function identityOptions(column: Column, sequence: Sequence | undefined): string {
  if (!sequence) return '';
  const usual =
    sequence.start === '1' &&
    sequence.increment === '1' &&
    sequence.min === '1' &&
    sequence.max === TYPE_MAX[column.type] &&
    sequence.cache === '1' &&
    !sequence.cycle;
  return usual ? '' : ` (${sequenceOptions({ ...sequence, type: 'bigint' }).join(' ')})`;
}

function renderColumn(column: Column, identity: Sequence | undefined): string {
  let sql = `${column.name} ${column.type}`;
  if (column.collation) sql += ` COLLATE ${column.collation}`;
  if (column.identity) {
    sql += ` GENERATED ${column.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY${identityOptions(column, identity)}`;
  } else if (column.generated) {
    sql += ` GENERATED ALWAYS AS (${column.default}) ${column.generated === 'v' ? 'VIRTUAL' : 'STORED'}`;
  } else if (column.default !== null) sql += ` DEFAULT ${column.default}`;
  if (column.notNull) sql += ' NOT NULL';
  return sql;
}

const CONSTRAINT_ORDER = { p: 0, u: 1, x: 2, c: 3, f: 4 } as const;
/** Inside CREATE TABLE: keys, exclusions and validated checks; the rest is added once every table exists. */
const inline = (c: Constraint) => c.type !== 'f' && c.validated;

function renderTable(table: Relation, identities: Map<string, Sequence>): string {
  const constraints = table.constraints
    .filter(inline)
    .sort((a, b) => CONSTRAINT_ORDER[a.type] - CONSTRAINT_ORDER[b.type])
    .map((c) => `CONSTRAINT ${c.name} ${c.definition}`);
  const name = qualified(table.name);
  let sql: string;
  if (table.partitionOf) {
    const items = constraints.map((c) => INDENT + c);
    const body = items.length > 0 ? ` (\n${items.join(',\n')}\n)` : '';
    sql = `CREATE TABLE ${name} PARTITION OF ${qualified(table.partitionOf.parent)}${body}\n${table.partitionOf.bound}`;
  } else {
    const items = [
      ...table.columns.map((c) => renderColumn(c, identities.get(`${table.name}.${c.name}`))),
      ...constraints,
    ].map((x) => INDENT + x);
    sql = `CREATE ${table.unlogged ? 'UNLOGGED ' : ''}TABLE ${name} (\n${items.join(',\n')}\n)`;
  }
  if (table.partitionKey) sql += `\nPARTITION BY ${table.partitionKey}`;
  if (table.options.length > 0) sql += `\nWITH (${table.options.join(', ')})`;
  return withComment(`${sql};`, `TABLE ${name}`, table.comment) + columnComments(table) + constraintComments(table);
}

function columnComments(relation: Relation): string {
  return relation.columns
    .filter((c) => c.comment !== null)
    .map((c) => `\nCOMMENT ON COLUMN ${qualified(relation.name)}.${c.name} IS ${literal(c.comment!)};`)
    .join('');
}

function constraintComments(table: Relation, which: (c: Constraint) => boolean = inline): string {
  return table.constraints
    .filter((c) => which(c) && c.comment !== null)
    .map((c) => `\nCOMMENT ON CONSTRAINT ${c.name} ON ${qualified(table.name)} IS ${literal(c.comment!)};`)
    .join('');
}

function renderLaterConstraints(table: Relation): string[] {
  return table.constraints
    .filter((c) => !inline(c))
    .sort((a, b) => CONSTRAINT_ORDER[a.type] - CONSTRAINT_ORDER[b.type] || (a.name < b.name ? -1 : 1))
    .map(
      (c) =>
        `ALTER TABLE ${qualified(table.name)} ADD CONSTRAINT ${c.name} ${c.definition};` +
        constraintComments({ ...table, constraints: [c] }, () => true),
    );
}

function renderView(view: Relation): string {
  const kind = view.kind === 'm' ? 'MATERIALIZED VIEW' : 'VIEW';
  const options = view.options.length > 0 ? ` WITH (${view.options.join(', ')})` : '';
  const query = (view.definition ?? '').trimEnd().replace(/;$/, '');
  const sql = `CREATE ${kind} ${qualified(view.name)}${options} AS\n${query}${view.kind === 'm' ? '\nWITH NO DATA' : ''};`;
  return withComment(sql, `${kind} ${qualified(view.name)}`, view.comment) + columnComments(view);
}

const COMMANDS: Record<string, string> = { r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE', '*': 'ALL' };

function renderRowLevelSecurity(catalog: Catalog): string[] {
  const switches = catalog.tables.flatMap((t) => [
    ...(t.rls ? [`ALTER TABLE ${qualified(t.name)} ENABLE ROW LEVEL SECURITY;`] : []),
    ...(t.forceRls ? [`ALTER TABLE ${qualified(t.name)} FORCE ROW LEVEL SECURITY;`] : []),
  ]);
  const policies = catalog.policies.map((p) => {
    let sql = `CREATE POLICY ${p.name} ON ${qualified(p.relation)}\n${INDENT}AS ${p.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'}`;
    sql += ` FOR ${COMMANDS[p.command] ?? 'ALL'} TO ${p.roles.join(', ')}`;
    if (p.using !== null) sql += `\n${INDENT}USING (${p.using})`;
    if (p.withCheck !== null) sql += `\n${INDENT}WITH CHECK (${p.withCheck})`;
    return withComment(`${sql};`, `POLICY ${p.name} ON ${qualified(p.relation)}`, p.comment);
  });
  return [...switches, ...policies];
}
