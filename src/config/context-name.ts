/** A migration context's name: what Liquibase teams write (`dev`, `test`, `production`, `eu-west`). */
export const CONTEXT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The context `devup dev` and a plain `devup migrate` run when `migrations.context` names none. */
export const DEFAULT_CONTEXT = 'dev';
