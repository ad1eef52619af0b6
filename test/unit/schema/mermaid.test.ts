import { describe, expect, it } from 'vitest';
import type { Catalog, Column, Constraint, Relation } from '../../../src/schema/catalog.js';
import { anchor } from '../../../src/schema/markdown.js';
import { renderErDiagram } from '../../../src/schema/mermaid.js';

const column = (name: string, type: string, notNull: boolean): Column => ({
  name,
  type,
  notNull,
  default: null,
  identity: '',
  generated: '',
  local: true,
  collation: null,
  comment: null,
});

const key = (name: string, type: Constraint['type'], columns: string[], references?: string): Constraint => ({
  name,
  type,
  definition: '',
  validated: true,
  columns,
  references: references ? { table: references, columns: ['id'] } : undefined,
  comment: null,
});

const table = (
  name: string,
  columns: Column[],
  constraints: Constraint[],
  extra: Partial<Relation> = {},
): Relation => ({
  name,
  kind: 'r',
  unlogged: false,
  options: [],
  rls: false,
  forceRls: false,
  partitionKey: null,
  partitionOf: undefined,
  definition: null,
  dependsOn: [],
  comment: null,
  columns,
  constraints,
  indexes: [],
  ...extra,
});

const catalog = (tables: Relation[]): Catalog => ({
  extensions: [],
  enums: [],
  domains: [],
  composites: [],
  sequences: [],
  tables,
  views: [],
  functions: [],
  triggers: [],
  policies: [],
});

describe('renderErDiagram', () => {
  const users = table(
    'users',
    [column('id', 'bigint', true), column('note', 'text', false)],
    [key('users_pkey', 'p', ['id'])],
  );

  it('draws each foreign key with the cardinality its columns allow', () => {
    const diagram = renderErDiagram(
      catalog([
        users,
        // NOT NULL, not unique: exactly one user, zero or many orders.
        table(
          'orders',
          [column('id', 'bigint', true), column('user_id', 'bigint', true)],
          [key('orders_pkey', 'p', ['id']), key('orders_user_id_fkey', 'f', ['user_id'], 'users')],
        ),
        // Nullable and unique: zero or one on both sides.
        table(
          'profiles',
          [column('id', 'bigint', true), column('user_id', 'bigint', false)],
          [
            key('profiles_pkey', 'p', ['id']),
            key('profiles_user_id_key', 'u', ['user_id']),
            key('profiles_user_id_fkey', 'f', ['user_id'], 'users'),
          ],
        ),
      ]),
    );
    expect(diagram).toContain('    users ||--o{ orders : "user_id"');
    expect(diagram).toContain('    users |o--o| profiles : "user_id"');
    expect(diagram).toContain('        bigint user_id FK,UK');
    // Only key columns are drawn.
    expect(diagram).not.toContain('note');
  });

  it('makes types and names Mermaid can read, and leaves partitions to their parent', () => {
    const diagram = renderErDiagram(
      catalog([
        table(
          '"Order Items"',
          [column('"when"', 'timestamp with time zone', true), column('amount', 'numeric(12,2)', true)],
          [key('pk', 'p', ['"when"', 'amount'])],
        ),
        table('events_2025', [column('id', 'bigint', true)], [key('e_pk', 'p', ['id'])], {
          partitionOf: { parent: 'events', bound: "FOR VALUES IN ('x')" },
        }),
        table('loose', [column('x', '${schema}.citext', false)], []),
      ]),
    );
    expect(diagram).toContain(
      '    Order_Items {\n        timestamp_with_time_zone when PK\n        numeric amount PK\n    }',
    );
    expect(diagram).not.toContain('events_2025');
    expect(diagram).toContain('\n    loose');
  });
});

describe('anchor', () => {
  it("is GitHub's heading anchor", () => {
    expect(anchor('api_keys')).toBe('api_keys');
    expect(anchor('Order Items')).toBe('order-items');
  });
});
