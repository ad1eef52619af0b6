import { UserError } from '../../errors.js';
import type { AlembicGraph } from './alembic.js';

/** `alembic downgrade <revision>` and exactly what it undoes, newest first. */
export interface AlembicDowngrade {
  revision: string;
  rolledBack: string[];
}

function appliedRevisions(graph: AlembicGraph, current: readonly string[], schema: string): Set<string> {
  const unknown = current.filter((id) => !graph.revisions.has(id));
  if (unknown.length > 0) {
    throw new UserError(
      `${schema}.alembic_version names ${unknown.join(', ')}, which no revision file defines: alembic cannot downgrade from there`,
      {
        hint: 'Check out the branch that has that revision file (a branch switch often leaves this), downgrade there, then come back.',
      },
    );
  }
  return graph.ancestors(current);
}

/** What `alembic downgrade <revision>` removes: the applied revisions that descend from it. */
function undoneBy(graph: AlembicGraph, applied: ReadonlySet<string>, revision: string): string[] {
  const undone = revision === 'base' ? applied : graph.descendants(revision);
  return graph.order.filter((id) => applied.has(id) && undone.has(id)).reverse();
}

function stepsTarget(graph: AlembicGraph, current: readonly string[], steps: number, schema: string): string {
  const [head, ...others] = current;
  if (head === undefined) return 'base';
  if (others.length > 0) {
    throw new UserError(
      `${schema} is at several revisions (${current.join(', ')}): --steps cannot tell which branch to step down`,
      { hint: 'Name the revision to go back to with --to <revision>.' },
    );
  }
  let revision = head;
  for (let step = 0; step < steps; step++) {
    const downs = graph.revisions.get(revision)?.downRevisions ?? [];
    if (downs.length === 0) return 'base';
    if (downs.length > 1 && step < steps - 1) {
      throw new UserError(
        `--steps ${steps} would step below the merge revision ${revision} of ${schema} (it joins ${downs.join(', ')}): which branch to follow is ambiguous`,
        { hint: 'Name the revision to go back to with --to <revision>.' },
      );
    }
    // Below a merge revision, downgrading to either parent undoes the merge alone.
    revision = downs[0] as string;
  }
  return revision;
}

/** Plans `devup migrate down --steps N | --to REV` for one tenant's alembic_version. */
export function planAlembicDowngrade(
  graph: AlembicGraph,
  current: readonly string[],
  request: { steps: number; to: string | undefined },
  schema: string,
): AlembicDowngrade {
  const applied = appliedRevisions(graph, current, schema);
  if (request.to !== undefined && request.to !== 'base' && !graph.revisions.has(request.to)) {
    throw new UserError(`--to ${request.to}: no revision file defines that revision`, {
      hint: `Revisions: ${graph.order.join(', ') || '(none)'}, or "base" for all of them.`,
    });
  }
  const revision = request.to ?? stepsTarget(graph, current, request.steps, schema);
  return { revision, rolledBack: undoneBy(graph, applied, revision) };
}

/** The `<from>:head` range of `alembic upgrade --sql` for one tenant, or `head` for a new one. */
export function alembicSqlRange(current: readonly string[], schema: string): string {
  if (current.length === 0) return 'head';
  if (current.length > 1) {
    throw new UserError(
      `${schema} is at several revisions (${current.join(', ')}): alembic's offline mode starts from one`,
      { hint: 'Merge the branches (alembic merge heads) and upgrade, or run the dry-run on another tenant.' },
    );
  }
  return `${current[0]}:head`;
}
