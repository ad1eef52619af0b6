alter table workflows drop column archived_at;
