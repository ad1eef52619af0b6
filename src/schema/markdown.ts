import type { Catalog, Column, Relation } from './catalog.js';
import { renderErDiagram } from './mermaid.js';
import { unqualified } from './placeholder.js';

const GENERATED = '<!-- Written by `devup schema` from the migrations: do not edit by hand. -->';

/** A table cell: one line, pipes escaped, SQL without the `${schema}.` qualifier. */
function cell(text: string | null | undefined): string {
  if (text === null || text === undefined || text === '') return '';
  return unqualified(text).replace(/\s+/g, ' ').trim().replaceAll('|', '\\|');
}
const code = (text: string | null | undefined) => (text ? `\`${cell(text).replaceAll('`', "'")}\`` : '');
const display = (name: string) => name.replace(/^"(.*)"$/, '$1');

/** The anchor GitHub gives a heading. */
export function anchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function table(head: string[], rows: string[][]): string[] {
  if (rows.length === 0) return [];
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

function columnDefault(column: Column): string {
  if (column.identity) return `identity (${column.identity === 'a' ? 'always' : 'by default'})`;
  if (column.generated) return `generated: ${code(column.default)}`;
  return code(column.default);
}

function relationSection(relation: Relation, catalog: Catalog): string[] {
  const lines = [`### ${display(relation.name)}`, ''];
  if (relation.comment) lines.push(cell(relation.comment), '');
  const notes = [
    relation.kind === 'p' ? `Partitioned by ${code(relation.partitionKey)}.` : '',
    relation.partitionOf
      ? `Partition of [${display(relation.partitionOf.parent)}](#${anchor(display(relation.partitionOf.parent))}): ${code(relation.partitionOf.bound)}.`
      : '',
    relation.kind === 'm' ? 'Materialized view.' : '',
    relation.unlogged ? 'Unlogged.' : '',
  ].filter(Boolean);
  if (notes.length > 0) lines.push(notes.join(' '), '');
  lines.push(
    ...table(
      ['Column', 'Type', 'Nullable', 'Default', 'Comment'],
      relation.columns
        .filter((c) => c.local || !relation.partitionOf)
        .map((c) => [display(c.name), code(c.type), c.notNull ? 'no' : 'yes', columnDefault(c), cell(c.comment)]),
    ),
  );
  const constraints = relation.constraints.map((c) => [display(c.name), code(c.definition), cell(c.comment)]);
  if (constraints.length > 0)
    lines.push('', '**Constraints**', '', ...table(['Name', 'Definition', 'Comment'], constraints));
  const indexes = relation.indexes.map((i) => [
    display(i.name),
    code(i.definition.replace(/^CREATE (UNIQUE )?INDEX \S+ ON (ONLY )?\S+ (USING )?/, '$1')),
    cell(i.comment),
  ]);
  if (indexes.length > 0) lines.push('', '**Indexes**', '', ...table(['Name', 'Definition', 'Comment'], indexes));
  const triggers = catalog.triggers
    .filter((t) => t.relation === relation.name)
    .map((t) => [
      display(t.name),
      code(t.definition.replace(/^CREATE (CONSTRAINT )?TRIGGER \S+ /, '')),
      cell(t.comment),
    ]);
  if (triggers.length > 0) lines.push('', '**Triggers**', '', ...table(['Name', 'Definition', 'Comment'], triggers));
  const policies = catalog.policies
    .filter((p) => p.relation === relation.name)
    .map((p) => [
      display(p.name),
      `${p.permissive ? 'permissive' : 'restrictive'}, ${({ r: 'select', a: 'insert', w: 'update', d: 'delete' } as Record<string, string>)[p.command] ?? 'all'}, to ${p.roles.join(', ')}`,
      code(p.using),
      code(p.withCheck),
    ]);
  if (relation.rls || policies.length > 0) {
    lines.push(
      '',
      `**Row-level security**: ${relation.rls ? 'enabled' : 'disabled'}${relation.forceRls ? ', forced' : ''}`,
    );
    if (policies.length > 0) lines.push('', ...table(['Policy', 'Applies', 'Using', 'With check'], policies));
  }
  return [...lines, ''];
}

/** `<service>.md`: the ER diagram, then every table and view with its columns, keys and indexes. */
export function renderServiceMarkdown(catalog: Catalog, service: string): string {
  const lines = [
    `# ${service}`,
    '',
    GENERATED,
    '',
    `The \`${service}\` service's schema; DDL in [${service}.sql](${service}.sql).`,
    '',
  ];
  if (catalog.tables.length > 0) lines.push('```mermaid', renderErDiagram(catalog), '```', '', '## Tables', '');
  for (const t of catalog.tables) lines.push(...relationSection(t, catalog));
  if (catalog.views.length > 0) lines.push('## Views', '');
  for (const v of catalog.views) lines.push(...relationSection(v, catalog));
  const types = [
    ...catalog.enums.map((e) => [display(e.name), 'enum', e.labels.map((l) => code(l)).join(', '), cell(e.comment)]),
    ...catalog.domains.map((d) => [
      display(d.name),
      'domain',
      [code(d.baseType), d.notNull ? 'not null' : '', ...d.checks.map((c) => code(c.definition))]
        .filter(Boolean)
        .join(', '),
      cell(d.comment),
    ]),
    ...catalog.composites.map((c) => [
      display(c.name),
      'composite',
      c.columns.map((a) => `${display(a.name)} ${code(a.type)}`).join(', '),
      cell(c.comment),
    ]),
  ];
  if (types.length > 0) lines.push('## Types', '', ...table(['Name', 'Kind', 'Definition', 'Comment'], types), '');
  const functions = catalog.functions.map((f) => [
    `${display(f.name)}(${cell(f.arguments)})`,
    f.kind === 'p' ? 'procedure' : 'function',
    cell(f.comment),
  ]);
  if (functions.length > 0) lines.push('## Functions', '', ...table(['Name', 'Kind', 'Comment'], functions), '');
  const sequences = catalog.sequences
    .filter((s) => !s.owner)
    .map((s) => [display(s.name), code(s.type), `start ${s.start}, increment ${s.increment}`, cell(s.comment)]);
  if (sequences.length > 0)
    lines.push('## Sequences', '', ...table(['Name', 'Type', 'Values', 'Comment'], sequences), '');
  if (catalog.extensions.length > 0) {
    lines.push('## Extensions', '', ...catalog.extensions.map((e) => `- ${display(e.name)}`), '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** `README.md`: every service with a link to each of its tables. */
export function renderSchemaIndex(services: { service: string; catalog: Catalog }[]): string {
  const rows = services.map(({ service, catalog }) => [
    `[${service}](${service}.md)`,
    catalog.tables.map((t) => `[${display(t.name)}](${service}.md#${anchor(display(t.name))})`).join(', '),
    catalog.views.map((v) => `[${display(v.name)}](${service}.md#${anchor(display(v.name))})`).join(', '),
    `[${service}.sql](${service}.sql)`,
  ]);
  return `${[
    '# Database schema',
    '',
    GENERATED,
    '',
    'One file pair per service, built from its migrations on an empty database: `<service>.md` (ER diagram, tables, columns, keys, indexes) and `<service>.sql` (the schema as DDL, with `${schema}` for the tenant schema).',
    '',
    ...table(['Service', 'Tables', 'Views', 'DDL'], rows),
  ].join('\n')}\n`;
}
