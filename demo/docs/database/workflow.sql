-- Schema of the service "workflow", written by `devup schema`: do not edit by hand.
-- ${schema} stands for the tenant's schema; apply with devup's placeholder substitution.

SET check_function_bodies = false;
CREATE SCHEMA IF NOT EXISTS ${schema};

-- Tables

CREATE TABLE ${schema}.workflow_runs (
    id bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
    workflow_id bigint NOT NULL,
    status text DEFAULT 'queued'::text NOT NULL,
    started_at timestamp with time zone DEFAULT now() NOT NULL,
    finished_at timestamp with time zone,
    CONSTRAINT workflow_runs_pkey PRIMARY KEY (id),
    CONSTRAINT workflow_runs_check CHECK (((finished_at IS NULL) OR (finished_at >= started_at))),
    CONSTRAINT workflow_runs_status_check CHECK ((status = ANY (ARRAY['queued'::text, 'running'::text, 'succeeded'::text, 'failed'::text, 'cancelled'::text])))
);

CREATE TABLE ${schema}.workflow_steps (
    id bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
    workflow_id bigint NOT NULL,
    "position" integer NOT NULL,
    name text NOT NULL,
    kind text NOT NULL,
    config jsonb DEFAULT '{}'::jsonb NOT NULL,
    CONSTRAINT workflow_steps_pkey PRIMARY KEY (id),
    CONSTRAINT workflow_steps_workflow_id_position_key UNIQUE (workflow_id, "position"),
    CONSTRAINT workflow_steps_kind_check CHECK ((kind = ANY (ARRAY['http'::text, 'script'::text, 'approval'::text, 'wait'::text]))),
    CONSTRAINT workflow_steps_position_check CHECK (("position" > 0))
);

CREATE TABLE ${schema}.workflows (
    id bigint GENERATED ALWAYS AS IDENTITY NOT NULL,
    slug text NOT NULL,
    name text NOT NULL,
    description text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    archived_at timestamp with time zone,
    CONSTRAINT workflows_pkey PRIMARY KEY (id),
    CONSTRAINT workflows_slug_key UNIQUE (slug)
);

-- Foreign keys and constraints added later

ALTER TABLE ${schema}.workflow_runs ADD CONSTRAINT workflow_runs_workflow_id_fkey FOREIGN KEY (workflow_id) REFERENCES ${schema}.workflows(id) ON DELETE RESTRICT;

ALTER TABLE ${schema}.workflow_steps ADD CONSTRAINT workflow_steps_workflow_id_fkey FOREIGN KEY (workflow_id) REFERENCES ${schema}.workflows(id) ON DELETE CASCADE;

-- Indexes

CREATE INDEX workflow_runs_active_idx ON ${schema}.workflow_runs USING btree (status, started_at) WHERE (status = ANY (ARRAY['queued'::text, 'running'::text]));

CREATE INDEX workflow_runs_workflow_id_started_at_idx ON ${schema}.workflow_runs USING btree (workflow_id, started_at DESC);
