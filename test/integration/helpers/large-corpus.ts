/** A realistic mix: tables, foreign keys, indexes, columns added later, data, a function. */
export function corpusStatement(i: number): { up: string; down: string } {
  const table = `t${Math.floor(i / 4)}`;
  switch (i % 4) {
    case 0:
      return {
        up: `create table ${table} (id bigint generated always as identity primary key, name text not null, created_at timestamptz default now());`,
        down: `drop table ${table};`,
      };
    case 1:
      return {
        up: `alter table ${table} add column note text;\ncomment on column ${table}.note is 'added; later';`,
        down: `alter table ${table} drop column note;`,
      };
    case 2:
      return {
        up: `create index ${table}_name on ${table} (name);\ninsert into ${table} (name) select 'n' || g from generate_series(1, 5) g;`,
        down: `drop index ${table}_name;\ndelete from ${table};`,
      };
    default:
      return {
        up: `create function ${table}_count() returns bigint language sql as $$ select count(*) from ${table}; $$;`,
        down: `drop function ${table}_count();`,
      };
  }
}
