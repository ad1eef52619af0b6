-- A workflow is a named, ordered list of steps; the slug is what the API and CLI refer to.
create table workflows (
  id          bigint generated always as identity primary key,
  slug        text not null unique,
  name        text not null,
  description text,
  created_at  timestamptz not null default now()
);
