-- migrate:up
-- Sources used to be pulled by hand; now they carry a cron expression. Null means manual.
alter table sources add column schedule text;

-- migrate:down
alter table sources drop column schedule;
