-- migrate:up
-- A source is somewhere we pull data from; its name is the stable handle used by the API.
create table sources (
  id         bigint generated always as identity primary key,
  name       text not null unique,
  kind       text not null check (kind in ('s3', 'http', 'postgres', 'sftp')),
  uri        text not null,
  created_at timestamptz not null default now()
);

-- migrate:down
drop table sources;
