-- migrate:up
-- One row per pull. Ids are UUIDs because workers create jobs on their own and report back.
create table ingestion_jobs (
  id            uuid primary key default gen_random_uuid(),
  source_id     bigint not null references sources (id) on delete cascade,
  status        text not null default 'pending'
                check (status in ('pending', 'running', 'succeeded', 'failed')),
  rows_ingested bigint not null default 0 check (rows_ingested >= 0),
  error         text,
  started_at    timestamptz not null default now(),
  finished_at   timestamptz
);

-- "Latest job per source" is the hot query; this index answers it without a sort.
create index ingestion_jobs_source_id_started_at_idx on ingestion_jobs (source_id, started_at desc);

-- migrate:down
drop table ingestion_jobs;
