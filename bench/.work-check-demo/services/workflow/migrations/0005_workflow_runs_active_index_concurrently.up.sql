-- devup:no-transaction
-- The scheduler polls for queued and running runs constantly; a partial index keeps that
-- cheap. CONCURRENTLY avoids blocking writers, and cannot run inside a transaction.
create index concurrently if not exists workflow_runs_active_idx
  on workflow_runs (status, started_at)
  where status in ('queued', 'running');
