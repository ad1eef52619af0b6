-- Archiving hides a workflow without losing its run history (runs block hard deletes).
alter table workflows add column archived_at timestamptz;
