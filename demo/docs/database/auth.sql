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
