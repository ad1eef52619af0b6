-- Product asked for names in the UI. Nullable, then backfilled from the e-mail's local part,
-- so existing rows stay valid without a table rewrite.
alter table users add column display_name text;

update users set display_name = split_part(email, '@', 1) where display_name is null;
