-- migrate:up transaction:false
-- Workers claim pending jobs by polling; a partial index keeps that cheap as history grows.
-- CONCURRENTLY keeps ingestion writing while it builds, and cannot run in a transaction,
-- hence dbmate's transaction:false on both markers.
create index concurrently if not exists ingestion_jobs_pending_idx
  on ingestion_jobs (started_at)
  where status = 'pending';

-- migrate:down transaction:false
drop index concurrently if exists ingestion_jobs_pending_idx;
