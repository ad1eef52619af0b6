-- Track when a profile last changed without trusting every writer to set the column.
alter table users add column updated_at timestamptz not null default now();

-- The function lives in the tenant schema next to its table, so each tenant gets its own copy.
create function set_updated_at() returns trigger
language plpgsql
as $$
begin
  -- Skip no-op updates so updated_at means "something changed".
  if new is distinct from old then
    new.updated_at := now();
  end if;
  return new;
end;
$$;

create trigger users_set_updated_at
  before update on users
  for each row execute function set_updated_at();
