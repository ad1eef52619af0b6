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

-- The migrations this schema holds (migrations.bootstrap: 'schema' records them as applied).
-- devup:covers 1 0001_create_workflows 89871b2ae950ed679aa96f2d7de1d5ac3e8217acc4933dda8fa88acbc4035c72
-- devup:covers 2 0002_create_workflow_steps d69c16e607e0705abbb062149b3d74a3328491930893b5d4df6c516924ab95e9
-- devup:covers 3 0003_create_workflow_runs e91981ea12131ee6420259da32812cb8949e91d468b42295499ca3d2164fe110
-- devup:covers 4 0004_add_workflow_archived_at c04e57cfe9ed2e1afd0009c03f0e744dec795021df7304147d441b6974aa8ea3
-- devup:covers 5 0005_workflow_runs_active_index_concurrently e3e218c1db80444826d833b75b2d6f07fc7bb356c9816a37cc4c8a388dee5145
-- devup:snapshot 09b5f499c7b606885ccbbb502873c34342beba22fab7e64b5b60d297f6d3db3b
