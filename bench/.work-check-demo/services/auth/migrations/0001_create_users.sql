-- Accounts for one tenant. devup runs this file once per tenant schema (auth_default,
-- auth_acme, ...) with search_path pointing at it, so table names stay unqualified.
create table users (
  id            bigint generated always as identity primary key,
  email         text not null unique,
  password_hash text not null,
  role          text not null default 'member' check (role in ('owner', 'admin', 'member')),
  created_at    timestamptz not null default now()
);
