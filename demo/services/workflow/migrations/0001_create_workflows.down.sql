drop table workflows;
