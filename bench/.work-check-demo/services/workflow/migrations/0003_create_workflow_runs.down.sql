drop table workflow_runs;
