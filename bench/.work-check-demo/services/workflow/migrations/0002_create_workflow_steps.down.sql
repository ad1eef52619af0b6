drop table workflow_steps;
