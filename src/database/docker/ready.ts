import { UserError } from '../../errors.js';
import { maskSecret } from '../../lib/secret-mask.js';
import type { ConnectionInfo, PgError } from '../connection/connection.js';
import { waitForPostgres } from '../connection/readiness.js';
import type { DockerApi } from './api.js';
import type { ContainerPlan } from './container.js';
import { demuxDockerLogs, diagnoseServerLog } from './diagnostics.js';

/**
 * Waits until Postgres in the container answers at `connection` and returns how long that took;
 * when it does not, reads the container log for the reason (wrong credentials for the volume,
 * data of another major version, ...) and says it.
 */
export async function waitForContainerPostgres(
  api: DockerApi,
  plan: ContainerPlan,
  connection: ConnectionInfo,
): Promise<number> {
  // The maintenance database always exists; the project's own is created after (boot.ts).
  const result = await waitForPostgres(
    { ...connection, database: 'postgres' },
    {
      timeoutMs: plan.db.readyTimeoutMs,
      stillStarting: async () => (await api.inspectContainer(plan.container))?.State.Running === true,
    },
  );
  if (result.ready) return result.elapsedMs;
  const log = await lastLogLines(api, plan.container, 40, plan.db.password);
  const code = (result.lastError as PgError | undefined)?.code;
  if (code === '28P01' || code === '28000') {
    throw new UserError(
      `the volume ${plan.volume} was initialised with other credentials than database.user/database.password now say`,
      {
        hint:
          'Postgres only applies POSTGRES_PASSWORD to a fresh volume. Put the old password back in the config, ' +
          'or run `devup reset` to recreate the volume with the new one (destroys its data).',
        cause: result.lastError,
      },
    );
  }
  const diagnosis = diagnoseServerLog(log, plan.db.image);
  if (diagnosis) throw diagnosis;
  const why =
    result.reason === 'exited'
      ? 'the container exited'
      : result.reason === 'timeout'
        ? `not ready after ${Math.round(result.elapsedMs / 1000)} s`
        : maskSecret(String((result.lastError as Error)?.message), plan.db.password);
  throw new UserError(`Postgres in container ${plan.container} did not become ready: ${why}`, {
    details: ['Last lines of the container log:', ...indentLines(log)],
    hint: `See \`docker logs ${plan.container}\`; \`devup reset\` recreates it from scratch.`,
  });
}

/** The container's last `count` log lines, `secret` masked; best effort (it may be gone). */
export async function lastLogLines(api: DockerApi, container: string, count: number, secret = ''): Promise<string> {
  try {
    const docker = await api.client();
    const raw = (await docker
      .getContainer(container)
      .logs({ stdout: true, stderr: true, tail: count, follow: false })) as unknown as Buffer;
    const text = demuxDockerLogs(Buffer.from(raw));
    return secret ? maskSecret(text, secret) : text;
  } catch {
    return '(no log available)';
  }
}

export function indentLines(text: string): string[] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `  ${line}`);
}
