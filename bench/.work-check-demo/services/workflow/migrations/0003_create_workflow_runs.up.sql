-- One row per execution. Runs are history, so deleting a workflow that has runs is refused
-- rather than cascaded.
create table workflow_runs (
  id          bigint generated always as identity primary key,
  workflow_id bigint not null references workflows (id) on delete restrict,
  status      text not null default 'queued'
              check (status in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  started_at  timestamptz not null default now(),
  finished_at timestamptz,
  check (finished_at is null or finished_at >= started_at)
);

-- The workflow page shows its latest runs first.
create index workflow_runs_workflow_id_started_at_idx on workflow_runs (workflow_id, started_at desc);
