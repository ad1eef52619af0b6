import { realPathSoFar } from '../config/project-paths.js';
import type { InfraSettings, ResolvedConfig } from '../config/types.js';
import { DockerApi } from '../database/docker/api.js';
import type { ProgressSink } from '../database/engine.js';
import { EngineUnavailableError } from '../database/engine.js';
import type { InfraOwner } from './infra-plan.js';
import { startNative } from './native/start-native.js';
import { type StartedInfra, startInfra } from './start-infra.js';

/** Whose infra the config's is: the project, this checkout, the stem of its Docker names. */
export function infraOwner(config: Pick<ResolvedConfig, 'project' | 'root' | 'database'>): InfraOwner {
  return {
    project: config.project,
    checkout: realPathSoFar(config.root),
    stem: config.database.dockerName ?? config.project,
  };
}

/**
 * `devup dev`'s infra step: in Docker when an engine answers; without one, each preset's own
 * program when it is on the PATH (data under .devup/); otherwise an error naming both ways out.
 */
export async function bootInfra(
  config: Pick<ResolvedConfig, 'project' | 'root' | 'database' | 'stateDir'>,
  entries: InfraSettings[],
  sink: ProgressSink,
  api: DockerApi = new DockerApi(),
): Promise<{ engine: 'docker' | 'native'; started: StartedInfra[] }> {
  if (api.endpoint) {
    try {
      const started = await startInfra(api, entries, infraOwner(config), { stateDir: config.stateDir, sink });
      return { engine: 'docker', started };
    } catch (error) {
      // A socket nobody answers on is no engine; every other failure is the engine's to report.
      if (!(error instanceof EngineUnavailableError)) throw error;
    }
  }
  return { engine: 'native', started: await startNative(entries, config.stateDir, sink, () => noDocker(entries)) };
}

function noDocker(entries: InfraSettings[]): EngineUnavailableError {
  const names = entries.map((e) => `infra.${e.name}`).join(', ');
  return new EngineUnavailableError(
    `${names} need${entries.length === 1 ? 's' : ''} Docker, and no Docker engine answers`,
    {
      hint:
        'Start Docker (or Colima, Rancher Desktop, Podman) and run again, or install the program itself ' +
        '(e.g. `redis-server` for kind redis) so devup runs it without Docker, data under .devup/.',
    },
  );
}
