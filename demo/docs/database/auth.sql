-- Schema of the service "auth", written by `devup schema`: do not edit by hand.
-- ${schema} stands for the tenant's schema; apply with devup's placeholder substitution.

SET check_function_bodies = false;
CREATE SCHEMA IF NOT EXISTS ${schema};

-- Functions

CREATE OR REPLACE FUNCTION ${schema}.set_updated_at()
 RETURNS trigger
 LANGUAGE plpgsql
AS $function$
begin
  -- Skip no-op updates so updated_at means "something changed".
  if new is distinct from old then
    new.updated_at := now();
  end if;
  return new;
end;
$function$;

-- Tables

CREATE TABLE ${schema}.api_keys (
    id bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
    user_id bigint NOT NULL,
    name text NOT NULL,
    prefix text NOT NULL,
    key_hash text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    last_used_at timestamp with time zone,
    revoked_at timestamp with time zone,
    CONSTRAINT api_keys_pkey PRIMARY KEY (id),
    CONSTRAINT api_keys_prefix_key UNIQUE (prefix)
);

CREATE TABLE ${schema}.sessions (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    user_id bigint NOT NULL,
    token_hash text NOT NULL,
    user_agent text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    CONSTRAINT sessions_pkey PRIMARY KEY (id),
    CONSTRAINT sessions_token_hash_key UNIQUE (token_hash)
);

CREATE TABLE ${schema}.users (
    id bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
    email text NOT NULL,
    password_hash text NOT NULL,
    role text DEFAULT 'member'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    display_name text,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_role_check CHECK ((role = ANY (ARRAY['owner'::text, 'admin'::text, 'member'::text])))
);

-- Foreign keys and constraints added later

ALTER TABLE ${schema}.api_keys ADD CONSTRAINT api_keys_user_id_fkey FOREIGN KEY (user_id) REFERENCES ${schema}.users(id) ON DELETE CASCADE;

ALTER TABLE ${schema}.sessions ADD CONSTRAINT sessions_user_id_fkey FOREIGN KEY (user_id) REFERENCES ${schema}.users(id) ON DELETE CASCADE;

-- Indexes

CREATE INDEX api_keys_active_user_id_idx ON ${schema}.api_keys USING btree (user_id) WHERE (revoked_at IS NULL);

CREATE INDEX sessions_expires_at_idx ON ${schema}.sessions USING btree (expires_at);

CREATE INDEX sessions_user_id_idx ON ${schema}.sessions USING btree (user_id);

CREATE UNIQUE INDEX users_email_lower_key ON ${schema}.users USING btree (lower(email));

-- Triggers

CREATE TRIGGER users_set_updated_at BEFORE UPDATE ON ${schema}.users FOR EACH ROW EXECUTE FUNCTION ${schema}.set_updated_at();

-- The migrations this schema holds (migrations.bootstrap: 'schema' records them as applied).
-- devup:covers 1 0001_create_users 864289604a47ce89686331d4840a7adb49975ccee23ccff33e85dfe1268169bb
-- devup:covers 2 0002_create_sessions 162959b42b2fa775eb14fd73de9153e899694dbe9d0e99eb483f3131eb12ed15
-- devup:covers 3 0003_add_user_display_name efdefc12d19724a47e5ed4aa6d44352e6d36fb90febc2fd08b48796db4cd508a
-- devup:covers 4 0004_users_email_index_concurrently 736fa937f3ab6251a777f8fb494fbc25659345c770c731d2642150a8a43ea768
-- devup:covers 5 0005_create_api_keys a84a9115c7f4b1972d34e1a847b2ef8e6dbe3923775b4125bbcb1a951ad53ff4
-- devup:covers 6 0006_users_updated_at_trigger 99ca4e1ee66909d90651d0541977bcc4aec6253fd799bda6a3effb2dad4b0762
-- devup:snapshot 20a0eb52239c7f29ee306a85d9f8dcb73c418c8a0ca2f5adecfea3f02e6a1970
