import path from 'node:path';
import type pg from 'pg';
import { UserError } from '../../errors.js';
import { quoteIdent } from '../../lib/sql-quote.js';
import { loadSnapshot, REWRITE_HINT, readSnapshot } from '../sql/bootstrap.js';
import type { TargetBase } from '../targets.js';
import type { AlembicSet } from './alembic.js';
import type { ToolFiles } from './tool-files.js';
import { runToolCommand, type ToolInvocation } from './tool-invocation.js';
import { toolProgram, withArgs } from './tool-program.js';

/** Whether the schema holds anything of its own: a snapshot is loaded only into an empty one. */
async function schemaIsEmpty(client: pg.Client, schema: string): Promise<boolean> {
  const { rows } = await client.query<{ n: number }>(
    `select (select count(*) from pg_class where relnamespace = n.oid)::int
          + (select count(*) from pg_proc where pronamespace = n.oid)::int
          + (select count(*) from pg_type where typnamespace = n.oid and typrelid = 0 and typelem = 0)::int as n
       from pg_namespace n where n.nspname = $1`,
    [schema],
  );
  return (rows[0]?.n ?? 0) === 0;
}

/** The snapshot's Alembic head(s), each a revision of the graph on disk, or why not. */
function snapshotHeads(schema: string, shown: string, heads: readonly string[], files: ToolFiles): string[] {
  if (heads.length === 0) {
    throw new UserError(`${schema}: cannot build it from ${shown}: it records no Alembic head revision`, {
      hint: REWRITE_HINT,
    });
  }
  const graph = (files.set as AlembicSet | undefined)?.graph;
  const unknown = heads.filter((head) => !graph?.revisions.has(head));
  if (unknown.length > 0) {
    throw new UserError(
      `${schema}: the schema snapshot ${shown} is at Alembic revision ${unknown.join(', ')}, which is not in the revision graph of ${files.migrationsDir}; nothing was applied`,
      { hint: `Restore the revision file, or ${REWRITE_HINT[0]?.toLowerCase()}${REWRITE_HINT.slice(1)}` },
    );
  }
  return [...heads];
}

/**
 * `migrations.bootstrap: 'schema'` for an Alembic target with no history: the committed
 * snapshot is loaded the way the SQL engine loads it (one transaction), then Alembic's own
 * `stamp` records the head the snapshot covers; the caller's `alembic upgrade head` applies what
 * is newer. A schema that already holds objects is left to the usual replay. When the stamp
 * fails, the loaded schema is emptied again, so that nothing is left half-done.
 * Returns whether the snapshot was loaded.
 */
export async function bootstrapAlembicTarget(
  client: pg.Client,
  invocation: ToolInvocation,
  target: TargetBase,
  files: ToolFiles,
  options: { snapshot: string; root: string; onOutput: (line: string) => void; signal?: AbortSignal | undefined },
): Promise<boolean> {
  if (!(await schemaIsEmpty(client, target.schema))) return false;
  const { shown, reading } = readSnapshot(options.snapshot, target.schema);
  const heads = snapshotHeads(target.schema, shown, reading.alembicHeads, files);
  await loadSnapshot(client, target, shown, reading.sql, undefined);
  const { adapter, settings, context } = invocation;
  const stamp = withArgs(toolProgram(adapter, settings, target.service, context), ['stamp', ...heads]);
  options.onOutput(
    `devup: ${target.schema} built from ${path.relative(options.root, options.snapshot) || options.snapshot}; alembic stamp ${heads.join(' ')}`,
  );
  try {
    await runToolCommand(invocation, target, stamp, {
      root: options.root,
      onOutput: options.onOutput,
      signal: options.signal,
    });
  } catch (error) {
    await client.query(`drop schema ${quoteIdent(target.schema)} cascade; create schema ${quoteIdent(target.schema)}`);
    throw error;
  }
  return true;
}
