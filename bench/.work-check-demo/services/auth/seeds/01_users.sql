-- Runs once per tenant schema. The e-mail domain comes from the schema devup points us at
-- (auth_acme -> acme.example), so each tenant's data is visibly its own.
-- Re-running is harmless: every insert skips rows that already exist.
with tenant as (
  select regexp_replace(current_schema(), '^auth_', '') as name
)
insert into users (email, display_name, role, password_hash)
select person.handle || '@' || tenant.name || '.example', person.display_name, person.role, 'not-a-real-hash'
from tenant
cross join (values
  ('ada',     'Ada Lovelace',   'owner'),
  ('grace',   'Grace Hopper',   'admin'),
  ('linus',   'Linus Torvalds', 'member'),
  ('barbara', 'Barbara Liskov', 'member')
) as person (handle, display_name, role)
on conflict do nothing;

-- One CI key for the owner, so the api_keys foreign key has something to point at.
insert into api_keys (user_id, name, prefix, key_hash)
select id, 'CI deploys', 'dvp_' || left(md5(email), 8), md5('demo-secret-' || email)
from users
where role = 'owner'
on conflict do nothing;
