-- Written for the Postgres image's docker-entrypoint-initdb.d, and used by devup as it is
-- (database.init): run once, before any migration; CREATE DATABASE outside a transaction, and
-- each \c moves the statements after it to that database.
CREATE DATABASE billing;
CREATE DATABASE ledger;
CREATE DATABASE catalog;

\c billing
-- uuid_generate_v4() for the tenants' tables; extensions live in public, reachable from every schema.
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";

\c ledger
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
