import type pg from 'pg';
import type { MigrationTool } from '../../config/schema.js';
import { type ConnectionInfo, withClient } from '../../database/connection/connection.js';
import { UsageError, UserError } from '../../errors.js';
import type { InspectedTarget } from '../inspect.js';
import { withAdvisoryLock } from '../lock.js';
import { readHistory } from '../sql/history.js';
import type { TargetBase } from '../targets.js';
import { type MigrationTag, readTags, writeTag } from './tag-store.js';

/** Tools whose rollback devup drives to a named migration: the ones a tag is of use for. */
export const TAGGABLE_TOOLS: readonly MigrationTool[] = ['alembic', 'dbmate', 'node-pg-migrate'];

const TAG_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function checkTagName(name: string): void {
  if (!TAG_NAME.test(name)) {
    throw new UsageError(
      `tag "${name}": not a tag name`,
      'Use letters, digits, _ . and - (starting with a letter or digit), e.g. release-1.4.',
    );
  }
}

/** Where a target is now: what a tag made now records. */
type Position = Pick<MigrationTag, 'at' | 'version'>;

/** The newest applied SQL migration, read under the target's lock (a migrate in flight finishes first). */
async function sqlPosition(client: pg.Client, target: TargetBase): Promise<Position> {
  return withAdvisoryLock(client, target.schema, async () => {
    const applied = (await readHistory(client, target.schema)).filter((row) => row.success);
    const newest = applied.at(-1);
    return newest ? { at: newest.name, version: newest.version } : { at: null, version: null };
  });
}

/** A tool target's position from its history table (Alembic: its one head). */
async function toolPosition(
  stateDir: string,
  admin: ConnectionInfo,
  client: pg.Client,
  inspected: InspectedTarget,
): Promise<Position> {
  const { service, target } = inspected;
  const tool = service.service.migrations?.kind === 'tool' ? service.service.migrations.tool : 'command';
  if (!TAGGABLE_TOOLS.includes(tool)) {
    throw new UserError(`devup migrate tag cannot tag ${tool} targets (services.${target.service})`, {
      hint:
        tool === 'liquibase'
          ? 'Liquibase keeps tags of its own: `liquibase tag NAME`, then `liquibase rollback NAME`.'
          : `devup does not roll ${tool} back, so a tag would lead nowhere; leave it out with --service.`,
    });
  }
  const { toolTargetStatus } = await import('../tools/tool-status.js');
  const status = await toolTargetStatus(stateDir, service.service, target, admin, client);
  if (status.current.length > 1) {
    throw new UserError(`${target.schema}: ${tool} is at several heads (${status.current.join(', ')})`, {
      hint: 'Merge the heads (alembic merge) and migrate, then tag.',
    });
  }
  return { at: status.current[0] ?? null, version: null };
}

/**
 * Records tag `name` in every selected target at the migration it is at now. Every target is
 * read first: if one already has the tag (and `move` is not set), none is written.
 */
export async function tagTargets(
  /** Where the tools' fingerprints are kept (the project's .devup/). */
  stateDir: string,
  admin: ConnectionInfo,
  targets: InspectedTarget[],
  request: { name: string; move: boolean },
): Promise<{ target: TargetBase; position: Position; moved: boolean }[]> {
  checkTagName(request.name);
  const onTarget = <T>(target: TargetBase, fn: (client: pg.Client) => Promise<T>) =>
    withClient(admin, fn, target.database ? { database: target.database } : {});
  const planned: { target: TargetBase; position: Position; existing: MigrationTag | undefined }[] = [];
  for (const inspected of targets) {
    const { target } = inspected;
    planned.push(
      await onTarget(target, async (client) => ({
        target,
        position: inspected.sql
          ? await sqlPosition(client, target)
          : await toolPosition(stateDir, admin, client, inspected),
        existing: (await readTags(client, target.schema)).find((t) => t.name === request.name),
      })),
    );
  }
  const taken = planned.filter((p) => p.existing);
  if (taken.length > 0 && !request.move) {
    throw new UserError(`tag ${request.name} exists already; nothing was tagged`, {
      details: taken.map((p) => `  ${p.target.schema}: at ${p.existing?.at ?? '(nothing applied)'}`),
      hint: `Choose another name, or move it: devup migrate tag ${request.name} --force.`,
    });
  }
  for (const p of planned)
    await onTarget(p.target, (client) =>
      writeTag(client, p.target.schema, { name: request.name, ...p.position }, true),
    );
  return planned.map((p) => ({ target: p.target, position: p.position, moved: p.existing !== undefined }));
}
