-- A few workflows with their steps. Slugs and (workflow, position) are unique, so running
-- this again changes nothing.
insert into workflows (slug, name, description) values
  ('onboard-customer', 'Onboard customer', 'Provision a tenant, invite its owner, wait for sign-in.'),
  ('nightly-export',   'Nightly export',   'Dump the day''s events and hand them to the warehouse.'),
  ('rotate-api-keys',  'Rotate API keys',  'Issue new keys, wait for approval, revoke the old ones.')
on conflict do nothing;

insert into workflow_steps (workflow_id, position, name, kind, config)
select w.id, step.position, step.name, step.kind, step.config::jsonb
from (values
  ('onboard-customer', 1, 'Create tenant schema',   'script',   '{"run": "node provision-tenant.js"}'),
  ('onboard-customer', 2, 'Invite owner',           'http',     '{"service": "auth", "method": "POST", "path": "/invites"}'),
  ('onboard-customer', 3, 'Wait for first sign-in', 'wait',     '{"timeout": "7d"}'),
  ('nightly-export',   1, 'Export events',          'script',   '{"run": "node export.js --since yesterday"}'),
  ('nightly-export',   2, 'Notify warehouse',       'http',     '{"method": "POST", "url": "https://warehouse.example/hooks/export"}'),
  ('rotate-api-keys',  1, 'Issue new keys',         'script',   '{"run": "node rotate.js --issue"}'),
  ('rotate-api-keys',  2, 'Security approval',      'approval', '{"group": "security"}'),
  ('rotate-api-keys',  3, 'Revoke old keys',        'script',   '{"run": "node rotate.js --revoke"}')
) as step (slug, position, name, kind, config)
join workflows w on w.slug = step.slug
on conflict do nothing;
