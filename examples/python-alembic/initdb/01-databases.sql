-- Written for the Postgres image's /docker-entrypoint-initdb.d, as the team's compose file mounts
-- it: run once, by psql, on a new cluster. Each service has a database of its own.
--
-- devup does not run this file yet: its database.init runs each file in one transaction, where
-- CREATE DATABASE and \connect fail. Until database.init runs files the way the image does, the
-- config gets the same result from what it has: each service's `database` (devup creates a
-- missing one) and database.extensions (created in every database before it migrates).
-- `devup init` reads the database and extension names from here.
CREATE DATABASE billing;
CREATE DATABASE ledger;

\connect billing
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
