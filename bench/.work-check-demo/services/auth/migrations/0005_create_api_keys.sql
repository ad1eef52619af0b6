-- Machine credentials. The short prefix is shown in the UI and used to find the key;
-- only the hash of the secret part is kept.
create table api_keys (
  id           bigint generated always as identity primary key,
  user_id      bigint not null references users (id) on delete cascade,
  name         text not null,
  prefix       text not null unique,
  key_hash     text not null,
  created_at   timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at   timestamptz
);

-- Listing a user's keys only ever shows the live ones.
create index api_keys_active_user_id_idx on api_keys (user_id) where revoked_at is null;
