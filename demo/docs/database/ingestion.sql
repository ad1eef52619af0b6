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
