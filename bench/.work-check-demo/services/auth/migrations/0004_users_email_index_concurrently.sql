-- devup:no-transaction
-- Sign-in looks users up by lower(email). CONCURRENTLY keeps the table writable while the
-- index builds, which Postgres only allows outside a transaction block (hence the marker
-- above). Keep such files to this single statement.
create unique index concurrently if not exists users_email_lower_key on users (lower(email));
