-- devup:no-transaction
drop index concurrently if exists workflow_runs_active_idx;
