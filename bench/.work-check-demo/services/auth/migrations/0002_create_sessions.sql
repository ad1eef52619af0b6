-- Browser sessions: only a hash of the cookie token is stored, so a leaked dump can't be replayed.
create table sessions (
  id          uuid primary key default gen_random_uuid(),
  user_id     bigint not null references users (id) on delete cascade,
  token_hash  text not null unique,
  user_agent  text,
  created_at  timestamptz not null default now(),
  expires_at  timestamptz not null
);

-- "Sign out everywhere" deletes by user; the sweeper deletes by expiry.
create index sessions_user_id_idx on sessions (user_id);
create index sessions_expires_at_idx on sessions (expires_at);
