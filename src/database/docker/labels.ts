import { createHash } from 'node:crypto';
import type { DatabaseSettings } from '../../config/types.js';
import { VERSION } from '../../version.js';

/**
 * The labels devup puts on its container and volume: whose they are (project, checkout), and a
 * hash of the options the container was created with, so "reuse if unchanged" is one lookup.
 */
export const LABEL = {
  project: 'dev.devup.project',
  version: 'dev.devup.version',
  optionsHash: 'dev.devup.options-hash',
  image: 'dev.devup.image',
  port: 'dev.devup.port',
  bind: 'dev.devup.bind',
  user: 'dev.devup.user',
  database: 'dev.devup.database',
  passwordHash: 'dev.devup.password-hash',
  /** The checkout (directory of the config) that created the container and volume. */
  checkout: 'dev.devup.checkout',
  /** The server's command line (the settings it starts with, after the image's entrypoint). */
  command: 'dev.devup.command',
  /** On an infra entry's container and volumes: the entry's name. */
  infra: 'dev.devup.infra',
} as const;

/** A short hash of the options a container is created from: "reuse if unchanged" is comparing two labels. */
export function optionsHash(fields: unknown): string {
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 16);
}

export function containerName(project: string): string {
  return `${project}-postgres`;
}
export function volumeName(project: string): string {
  return `${project}-pgdata`;
}

/** The leading major version of an image tag (`postgres:17.2-alpine` → 17), if it has one. */
export function imageMajor(image: string): number | undefined {
  const tag = image.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : '';
  const match = /^(\d+)/.exec(tag);
  return match ? Number(match[1]) : undefined;
}

export function passwordHash(password: string): string {
  return createHash('sha256').update(password).digest('hex').slice(0, 16);
}

/**
 * The command the project's Postgres container runs when `database.statStatements` is on: the
 * image's entrypoint with these arguments, preloading pg_stat_statements for the dashboard's
 * slowest statements (it must be loaded when the server starts). Off, the image's own command runs.
 */
const STAT_STATEMENTS_COMMAND: readonly string[] = ['postgres', '-c', 'shared_preload_libraries=pg_stat_statements'];

export function postgresCommand(db: Pick<DatabaseSettings, 'statStatements'>): string[] | undefined {
  return db.statStatements ? [...STAT_STATEMENTS_COMMAND] : undefined;
}

export function containerLabels(project: string, db: DatabaseSettings, checkout?: string): Record<string, string> {
  const command = postgresCommand(db);
  const fields = {
    // In the hash: a container made before devup preloaded pg_stat_statements is recreated once, on
    // its volume. Without the preload the field is left out, so such containers keep their hash.
    ...(command ? { [LABEL.command]: command.join(' ') } : {}),
    [LABEL.image]: db.image,
    [LABEL.port]: String(db.port),
    [LABEL.bind]: db.bind,
    [LABEL.user]: db.user,
    [LABEL.database]: db.database,
    [LABEL.passwordHash]: passwordHash(db.password),
  };
  return {
    [LABEL.project]: project,
    [LABEL.version]: VERSION,
    [LABEL.optionsHash]: optionsHash(fields),
    ...(checkout === undefined ? {} : { [LABEL.checkout]: checkout }),
    ...fields,
  };
}

/** What a label's absence means: a container without a command label runs its image's own. */
const UNSET: Record<string, string> = { [LABEL.command]: "(the image's own)" };

/** Which settings differ between a container's labels and the wanted ones, for people. */
export function describeLabelChanges(current: Record<string, string>, wanted: Record<string, string>): string[] {
  const names: Record<string, string> = {
    [LABEL.image]: 'database.image',
    [LABEL.port]: 'database.port',
    [LABEL.bind]: 'database.bind',
    [LABEL.user]: 'database.user',
    [LABEL.database]: 'database.database',
    [LABEL.passwordHash]: 'database.password',
    [LABEL.command]: "the server's command",
  };
  const changes: string[] = [];
  for (const [label, name] of Object.entries(names)) {
    if (current[label] === wanted[label]) continue;
    changes.push(
      label === LABEL.passwordHash
        ? `${name} changed`
        : `${name}: ${current[label] ?? UNSET[label] ?? '(unknown)'} → ${wanted[label] ?? UNSET[label] ?? '(unset)'}`,
    );
  }
  return changes;
}
