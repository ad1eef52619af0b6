-- Schema of the service "ingestion", written by `devup schema`: do not edit by hand.
-- ${schema} stands for the tenant's schema; apply with devup's placeholder substitution.

SET check_function_bodies = false;
CREATE SCHEMA IF NOT EXISTS ${schema};

-- Tables

CREATE TABLE ${schema}.ingestion_jobs (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    source_id bigint NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    rows_ingested bigint DEFAULT 0 NOT NULL,
    error text,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    finished_at timestamp with time zone,
    CONSTRAINT ingestion_jobs_pkey PRIMARY KEY (id),
    CONSTRAINT ingestion_jobs_rows_ingested_check CHECK ((rows_ingested >= 0)),
    CONSTRAINT ingestion_jobs_status_check CHECK ((status = ANY (ARRAY['pending'::text, 'running'::text, 'succeeded'::text, 'failed'::text])))
);

CREATE TABLE ${schema}.sources (
    id bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
    name text NOT NULL,
    kind text NOT NULL,
    uri text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    schedule text,
    CONSTRAINT sources_pkey PRIMARY KEY (id),
    CONSTRAINT sources_name_key UNIQUE (name),
    CONSTRAINT sources_kind_check CHECK ((kind = ANY (ARRAY['s3'::text, 'http'::text, 'postgres'::text, 'sftp'::text])))
);

-- Foreign keys and constraints added later

ALTER TABLE ${schema}.ingestion_jobs ADD CONSTRAINT ingestion_jobs_source_id_fkey FOREIGN KEY (source_id) REFERENCES ${schema}.sources(id) ON DELETE CASCADE;

-- Indexes

CREATE INDEX ingestion_jobs_pending_idx ON ${schema}.ingestion_jobs USING btree (started_at) WHERE (status = 'pending'::text);

CREATE INDEX ingestion_jobs_source_id_started_at_idx ON ${schema}.ingestion_jobs USING btree (source_id, started_at DESC);

-- The migrations this schema holds (migrations.bootstrap: 'schema' records them as applied).
-- devup:covers 20250101120000 20250101120000_create_sources dc21aa7316df75e88a620927c722945db01f461c5a9beee78ab0e620895345d0
-- devup:covers 20250108093000 20250108093000_create_ingestion_jobs f4696634a6686fc9e625ac729d243dd51d998c0a6cef3e599d266a8a401626c2
-- devup:covers 20250115141500 20250115141500_add_source_schedule 83d38596e6310d5a38f28bd3ad4b5f377db581e5beca7053d0b301158227ce66
-- devup:covers 20250122170000 20250122170000_ingestion_jobs_status_index_concurrently 5173ac3e5c8010c783375b99e8a785af6a5a1fac625ddc5d805a903dc7405cfc
-- devup:snapshot 280902bafd96a07fc3241292194945e4a8f318e928ccb7fe45edc8f879e5e0e5
