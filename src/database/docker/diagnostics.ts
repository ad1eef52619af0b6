import { existsSync } from 'node:fs';
import { LEGACY_DEFAULT_PASSWORD } from '../../config/default-password.js';
import { UserError } from '../../errors.js';
import { EngineUnavailableError } from '../engine.js';

/** What dockerode's errors carry besides a message. */
export interface DockerError extends Error {
  statusCode?: number;
  code?: string;
  json?: { message?: string };
}

/** Docker multiplexes stdout/stderr in 8-byte-header frames when the container has no TTY. */
export function demuxDockerLogs(buffer: Buffer): string {
  const parts: string[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const kind = buffer[offset];
    const size = buffer.readUInt32BE(offset + 4);
    if (kind === undefined || kind > 2 || offset + 8 + size > buffer.length) {
      return buffer.toString('utf8');
    }
    parts.push(buffer.subarray(offset + 8, offset + 8 + size).toString('utf8'));
    offset += 8 + size;
  }
  return parts.join('');
}

/** Reads the server log for a known cause of a failed start. */
export function diagnoseServerLog(log: string, image: string): UserError | undefined {
  const incompatible = /initialized by PostgreSQL version (\d+), which is not compatible with this version (\d+)/.exec(
    log,
  );
  if (incompatible) {
    const [, dataMajor, serverMajor] = incompatible;
    return new UserError(
      `the data volume holds Postgres ${dataMajor} data, but ${image} runs Postgres ${serverMajor}`,
      {
        hint:
          `Either set database.image back to a Postgres ${dataMajor} image (e.g. postgres:${dataMajor}), ` +
          `or dump your data and run \`devup reset\` to start over on Postgres ${serverMajor} (destroys the volume).`,
      },
    );
  }
  // An image built without contrib: the preload of the dashboard's slowest statements stops the server.
  if (/could not access file "pg_stat_statements"/.test(log)) {
    return new UserError(
      `${image} has no pg_stat_statements module, which devup preloads (shared_preload_libraries) in its container`,
      {
        hint: 'Use an image that ships the contrib modules: the official postgres images (and those built on them, e.g. postgis/postgis) do.',
      },
    );
  }
  return undefined;
}

export function dockerMessage(error: unknown): string {
  const e = error as DockerError;
  return (e.json?.message ?? e.message ?? String(error)).trim();
}

/** The Docker API did not answer at `where`. */
export function engineUnreachable(where: string, error: unknown): EngineUnavailableError {
  const code = (error as DockerError).code;
  if (code === 'EACCES') {
    return new EngineUnavailableError(`permission denied on the Docker socket ${where}`, {
      hint: 'Add your user to the "docker" group (then log in again), or use --engine embedded.',
      cause: error,
    });
  }
  return new EngineUnavailableError(
    `the Docker engine at ${where} does not answer (${code ?? (error as Error).message})`,
    {
      hint: 'Start Docker, or use --engine embedded.',
      cause: error,
    },
  );
}

/** A container or volume with devup's name that devup did not create. */
export function foreignResource(kind: 'container' | 'volume', name: string, project: string): UserError {
  return new UserError(`a ${kind} named ${name} exists, but devup did not create it for project "${project}"`, {
    hint: `devup never touches it. Rename or remove it yourself, or set "project" in the config to another name.`,
  });
}

/**
 * Postgres applies POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB only when it initialises a
 * fresh volume: a container recreated with new ones on the old volume would refuse to log in.
 */
export function credentialsChanged(changed: string[], volume: string, legacyPassword: boolean): UserError {
  return new UserError(
    `${changed.join('; ')}, but the volume ${volume} was initialised with the old value${changed.length > 1 ? 's' : ''}`,
    {
      hint:
        (legacyPassword
          ? `This volume was created with devup's old default password "${LEGACY_DEFAULT_PASSWORD}": set database.password: "${LEGACY_DEFAULT_PASSWORD}" in the config to keep using it, `
          : 'Postgres applies these only to a fresh volume. Put the old value back in the config, ') +
        'or run `devup reset` to recreate the volume with the new one (destroys its data).',
    },
  );
}

/** A container or volume that another checkout of the project created. */
export function otherCheckout(
  kind: 'container' | 'volume',
  name: string,
  project: string,
  owner: string,
  checkout: string,
): UserError {
  if (!existsSync(owner)) {
    return new UserError(
      `the ${kind} ${name} belongs to a checkout of project "${project}" in ${owner}, which no longer exists`,
      {
        hint: '`devup prune` lists and removes what deleted checkouts left behind; then run again.',
      },
    );
  }
  return new UserError(`the ${kind} ${name} belongs to another checkout of project "${project}", in ${owner}`, {
    hint:
      `devup neither reuses nor resets it from here. Set "project" in ${checkout}'s config to a name of its own ` +
      `(e.g. "${project}-2"; it names the container and volume), or work in ${owner}.`,
  });
}
