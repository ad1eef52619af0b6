import type { Catalog, Relation } from './catalog.js';
import { unqualified } from './placeholder.js';

/** Mermaid accepts plain words for entity names and types. */
function entityName(name: string): string {
  const plain = name.replace(/^"|"$/g, '');
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(plain) ? plain : plain.replace(/[^A-Za-z0-9_-]/g, '_');
}

function attributeType(type: string): string {
  return (
    unqualified(type)
      .replace(/\(.*?\)/g, '')
      .trim()
      .replace(/\s+/g, '_')
      .replace(/[^A-Za-z0-9_[\]-]/g, '') || 'unknown'
  );
}

/** The columns a reader needs to follow the relations: primary, unique and foreign key columns. */
function keyColumns(table: Relation): { name: string; type: string; keys: string[] }[] {
  const keys = new Map<string, Set<string>>();
  const mark = (column: string, key: string) => keys.set(column, (keys.get(column) ?? new Set()).add(key));
  for (const c of table.constraints) {
    const key = { p: 'PK', u: 'UK', f: 'FK' }[c.type as 'p' | 'u' | 'f'];
    if (key) for (const column of c.columns) mark(column, key);
  }
  return table.columns
    .filter((c) => keys.has(c.name))
    .map((c) => ({
      name: entityName(c.name),
      type: attributeType(c.type),
      keys: ['PK', 'FK', 'UK'].filter((k) => keys.get(c.name)?.has(k)),
    }));
}

/**
 * A Mermaid erDiagram: every table (partitions are drawn as their parent) with its key columns,
 * and a line per foreign key. The referenced side is "exactly one" when the referencing columns
 * are NOT NULL ("zero or one" otherwise); the referencing side is "zero or one" when those columns
 * are unique, "zero or many" otherwise.
 */
export function renderErDiagram(catalog: Catalog): string {
  const tables = catalog.tables.filter((t) => !t.partitionOf);
  const lines = ['erDiagram'];
  for (const table of tables) {
    const columns = keyColumns(table);
    if (columns.length === 0) {
      lines.push(`    ${entityName(table.name)}`);
      continue;
    }
    lines.push(`    ${entityName(table.name)} {`);
    for (const c of columns)
      lines.push(`        ${c.type} ${c.name}${c.keys.length > 0 ? ` ${c.keys.join(',')}` : ''}`);
    lines.push('    }');
  }
  const names = new Set(tables.map((t) => t.name));
  for (const table of tables) {
    for (const fk of table.constraints) {
      if (fk.type !== 'f' || !fk.references || !names.has(fk.references.table)) continue;
      const required = fk.columns.every((name) => table.columns.find((c) => c.name === name)?.notNull);
      const unique = table.constraints.some(
        (c) => (c.type === 'p' || c.type === 'u') && sameColumns(c.columns, fk.columns),
      );
      const label = fk.columns.map((c) => c.replace(/"/g, '')).join(', ');
      lines.push(
        `    ${entityName(fk.references.table)} ${required ? '||' : '|o'}--${unique ? 'o|' : 'o{'} ${entityName(table.name)} : "${label}"`,
      );
    }
  }
  return lines.join('\n');
}

function sameColumns(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((c) => b.includes(c));
}
