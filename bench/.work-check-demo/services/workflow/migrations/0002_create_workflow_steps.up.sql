-- Steps go with their workflow; (workflow_id, position) keeps the order unambiguous.
create table workflow_steps (
  id          bigint generated always as identity primary key,
  workflow_id bigint not null references workflows (id) on delete cascade,
  position    integer not null check (position > 0),
  name        text not null,
  kind        text not null check (kind in ('http', 'script', 'approval', 'wait')),
  config      jsonb not null default '{}',
  unique (workflow_id, position)
);
