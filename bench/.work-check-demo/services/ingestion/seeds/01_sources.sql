-- Sources with a short job history each, so "latest job status" has something to pick from.
-- Names and job ids are fixed, so running this again changes nothing.
insert into sources (name, kind, uri, schedule) values
  ('billing-events',  's3',       's3://acme-billing/events/',                  '*/15 * * * *'),
  ('crm-contacts',    'http',     'https://crm.example/api/v2/contacts',        '0 * * * *'),
  ('legacy-orders',   'postgres', 'postgres://readonly@legacy.internal/orders', '0 2 * * *'),
  ('partner-uploads', 'sftp',     'sftp://partners.example/inbox/',             null)
on conflict do nothing;

insert into ingestion_jobs (id, source_id, status, rows_ingested, error, started_at, finished_at)
select job.id::uuid, s.id, job.status, job.rows_ingested, job.error,
       now() - job.started_ago::interval,
       now() - job.started_ago::interval + job.took::interval
from (values
  ('6f1c1b52-3d4e-4c8a-9b0e-1a2b3c4d5e01', 'billing-events',  'succeeded', 12840, null,                        '2 hours',    '3 minutes'),
  ('6f1c1b52-3d4e-4c8a-9b0e-1a2b3c4d5e02', 'billing-events',  'succeeded', 13112, null,                        '45 minutes', '3 minutes'),
  ('6f1c1b52-3d4e-4c8a-9b0e-1a2b3c4d5e03', 'crm-contacts',    'failed',    0,     'HTTP 429 from crm.example', '30 minutes', '5 seconds'),
  ('6f1c1b52-3d4e-4c8a-9b0e-1a2b3c4d5e04', 'legacy-orders',   'succeeded', 98213, null,                        '20 hours',   '11 minutes'),
  ('6f1c1b52-3d4e-4c8a-9b0e-1a2b3c4d5e05', 'legacy-orders',   'running',   40210, null,                        '4 minutes',  null)
) as job (id, source, status, rows_ingested, error, started_ago, took)
join sources s on s.name = job.source
on conflict do nothing;
