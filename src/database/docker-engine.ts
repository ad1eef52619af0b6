import type Docker from 'dockerode';
import { findPortHolder, type PortHolder, stopHint } from '../checkouts/port-holder.js';
import { LEGACY_DEFAULT_PASSWORD } from '../config/default-password.js';
import type { DatabaseSettings } from '../config/types.js';
import { UserError } from '../errors.js';
import { maskSecret } from '../lib/secret-mask.js';
import { isPortFree } from '../ports.js';
import { VERSION } from '../version.js';
import { type ConnectionInfo, isLoopbackAddress, type PgError } from './connection.js';
import {
  credentialsChanged,
  type DockerError,
  demuxDockerLogs,
  diagnoseServerLog,
  dockerMessage,
  engineUnreachable,
  foreignResource,
  formatBytes,
  otherCheckout,
} from './docker-diagnostics.js';
import { dataVolumePath, ensureImage } from './docker-image.js';
import {
  containerLabels,
  containerName,
  describeLabelChanges,
  imageMajor,
  LABEL,
  passwordHash,
  volumeName,
} from './docker-labels.js';
import { type DockerEndpoint, describeEndpoint, findDockerEndpoint } from './docker-socket.js';
import {
  type DatabaseEngine,
  type Destroyable,
  type EngineStatus,
  EngineUnavailableError,
  type ProgressSink,
  type RunningDatabase,
} from './engine.js';
import { waitForPostgres } from './readiness.js';

export class DockerEngine implements DatabaseEngine {
  readonly name = 'docker' as const;
  private docker: Docker | undefined;

  #endpoint: DockerEndpoint | undefined | null = null;

  /**
   * `endpoint`: where the Docker API is; found (DOCKER_HOST, known sockets) only when first needed.
   * `checkout`: the directory of the config; another checkout with the same project name must not
   * reuse (or reset) this one's container and volume. `extraLabels` go on both as well (a
   * throwaway's owner).
   */
  constructor(
    private readonly project: string,
    private readonly db: DatabaseSettings,
    endpoint?: DockerEndpoint,
    private readonly checkout?: string,
    private readonly extraLabels: Record<string, string> = {},
  ) {
    if (endpoint) this.#endpoint = endpoint;
  }

  private get endpoint(): DockerEndpoint | undefined {
    if (this.#endpoint === null) this.#endpoint = findDockerEndpoint();
    return this.#endpoint;
  }

  /** Named after the project, or after the checkout when another checkout of it holds the project's names. */
  get containerName(): string {
    return containerName(this.db.dockerName ?? this.project);
  }
  get volumeName(): string {
    return volumeName(this.db.dockerName ?? this.project);
  }

  /** Where Postgres answers once the container runs: the published address (loopback for a wildcard). */
  get connection(): ConnectionInfo {
    const host = this.db.bind === '0.0.0.0' || this.db.bind === '::' ? '127.0.0.1' : this.db.bind;
    return { host, port: this.db.port, user: this.db.user, password: this.db.password, database: this.db.database };
  }

  private async client(): Promise<Docker> {
    if (this.docker) return this.docker;
    if (!this.endpoint) {
      throw new EngineUnavailableError('no Docker engine found (DOCKER_HOST is unset and no Docker socket exists)', {
        hint: 'Start Docker (or Colima, Rancher Desktop, Podman), or use --engine embedded.',
      });
    }
    const { default: DockerClass } = await import('dockerode');
    this.docker =
      this.endpoint.kind === 'socket' ? new DockerClass({ socketPath: this.endpoint.socketPath }) : new DockerClass();
    return this.docker;
  }

  /** Whether an engine answers; used by `auto` and by status. */
  async ping(): Promise<boolean> {
    if (!this.endpoint) return false;
    try {
      const docker = await this.client();
      await withTimeout(docker.ping(), 2_000);
      return true;
    } catch (error) {
      if ((error as DockerError).code === 'EACCES') throw this.unreachable(error);
      return false;
    }
  }

  private unreachable(error: unknown): EngineUnavailableError {
    return engineUnreachable(this.endpoint ? describeEndpoint(this.endpoint) : 'no socket', error);
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const code = (error as DockerError).code;
      if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES') throw this.unreachable(error);
      throw error instanceof UserError
        ? error
        : new UserError(`Docker could not ${what}: ${dockerMessage(error)}`, { cause: error });
    }
  }

  private async inspectContainer(): Promise<Docker.ContainerInspectInfo | undefined> {
    const docker = await this.client();
    try {
      return await docker.getContainer(this.containerName).inspect();
    } catch (error) {
      if ((error as DockerError).statusCode === 404) return undefined;
      throw error;
    }
  }

  private async inspectVolume(): Promise<Docker.VolumeInspectInfo | undefined> {
    const docker = await this.client();
    try {
      return (await docker.getVolume(this.volumeName).inspect()) as Docker.VolumeInspectInfo;
    } catch (error) {
      if ((error as DockerError).statusCode === 404) return undefined;
      throw error;
    }
  }

  private foreign(kind: 'container' | 'volume', name: string): UserError {
    return foreignResource(kind, name, this.project);
  }

  /**
   * Postgres applies POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB only when it initialises a
   * fresh volume: a container recreated with new ones on the old volume would refuse to log in.
   */
  private async refuseCredentialChange(current: Record<string, string>, wanted: Record<string, string>): Promise<void> {
    const keys = [LABEL.user, LABEL.passwordHash, LABEL.database];
    const changed = describeLabelChanges(
      Object.fromEntries(keys.map((k) => [k, current[k] ?? ''])),
      Object.fromEntries(keys.map((k) => [k, wanted[k] ?? ''])),
    );
    if (changed.length === 0 || !(await this.call('inspect the volume', () => this.inspectVolume()))) return;
    throw credentialsChanged(
      changed,
      this.volumeName,
      current[LABEL.passwordHash] === passwordHash(LEGACY_DEFAULT_PASSWORD),
    );
  }

  /**
   * Refuses a container or volume another checkout created under the same project name. Those
   * from a devup that did not label checkouts yet are taken as this checkout's.
   */
  private refuseOtherCheckout(kind: 'container' | 'volume', name: string, labels: Record<string, string> | undefined) {
    const owner = labels?.[LABEL.checkout];
    if (this.checkout === undefined || owner === undefined || owner === this.checkout) return;
    throw otherCheckout(kind, name, this.project, owner, this.checkout);
  }

  async start(sink: ProgressSink): Promise<RunningDatabase> {
    const docker = await this.client();
    const wanted = containerLabels(this.project, this.db, this.checkout);
    let existing = await this.call('inspect the container', () => this.inspectContainer());
    if (existing && existing.Config.Labels?.[LABEL.project] !== this.project) {
      throw this.foreign('container', this.containerName);
    }
    if (existing) this.refuseOtherCheckout('container', this.containerName, existing.Config.Labels);
    let action: RunningDatabase['action'] = 'reused';
    if (existing && existing.Config.Labels?.[LABEL.optionsHash] !== wanted[LABEL.optionsHash]) {
      const changes = describeLabelChanges(existing.Config.Labels ?? {}, wanted);
      const oldMajor = imageMajor(existing.Config.Labels?.[LABEL.image] ?? existing.Config.Image);
      const newMajor = imageMajor(this.db.image);
      if (oldMajor !== undefined && newMajor !== undefined && oldMajor !== newMajor) {
        throw new UserError(
          `database.image changed from Postgres ${oldMajor} to ${newMajor}; the volume ${this.volumeName} holds Postgres ${oldMajor} data`,
          {
            hint: `Set database.image back to postgres:${oldMajor}, or run \`devup reset\` to start over on Postgres ${newMajor} (destroys the volume).`,
          },
        );
      }
      await this.refuseCredentialChange(existing.Config.Labels ?? {}, wanted);
      sink.notice(`Recreating ${this.containerName} on the same volume (${changes.join('; ')}).`);
      await this.call('remove the old container', () =>
        docker.getContainer(this.containerName).remove({ force: true, v: false }),
      );
      existing = undefined;
    }
    const volumeBefore = await this.call('inspect the volume', () => this.inspectVolume());
    if (volumeBefore && volumeBefore.Labels?.[LABEL.project] !== this.project) {
      throw this.foreign('volume', this.volumeName);
    }
    if (volumeBefore) this.refuseOtherCheckout('volume', this.volumeName, volumeBefore.Labels);
    if (!existing) {
      await this.ensurePortFree();
      await this.create(docker, wanted, sink);
      action = volumeBefore ? 'started' : 'created';
    } else if (!existing.State.Running) {
      await this.ensurePortFree();
      action = 'started';
    }
    const container = docker.getContainer(this.containerName);
    if (action !== 'reused' && !isLoopbackAddress(this.db.bind) && this.db.bind !== 'localhost') {
      sink.notice(
        `database.bind is ${this.db.bind}: Postgres is published beyond this machine; anyone who reaches port ${this.db.port} can try the password${this.db.password === LEGACY_DEFAULT_PASSWORD ? ` "${LEGACY_DEFAULT_PASSWORD}" (set another with database.password)` : ''}.`,
      );
    }
    if (action !== 'reused') {
      await this.call('start the container', async () => {
        try {
          await container.start();
        } catch (error) {
          if ((error as DockerError).statusCode === 304) return; // already started
          if (/port is already allocated|address already in use/i.test(dockerMessage(error))) {
            throw await this.portTaken();
          }
          throw error;
        }
      });
    }
    // The maintenance database always exists; the project's own is created after (boot.ts).
    const result = await waitForPostgres(
      { ...this.connection, database: 'postgres' },
      {
        timeoutMs: this.db.readyTimeoutMs,
        stillStarting: async () => (await this.inspectContainer())?.State.Running === true,
      },
    );
    if (!result.ready) {
      const log = await this.lastLogLines(40);
      const code = (result.lastError as PgError | undefined)?.code;
      if (code === '28P01' || code === '28000') {
        throw new UserError(
          `the volume ${this.volumeName} was initialised with other credentials than database.user/database.password now say`,
          {
            hint:
              'Postgres only applies POSTGRES_PASSWORD to a fresh volume. Put the old password back in the config, ' +
              'or run `devup reset` to recreate the volume with the new one (destroys its data).',
            cause: result.lastError,
          },
        );
      }
      const diagnosis = diagnoseServerLog(log, this.db.image);
      if (diagnosis) throw diagnosis;
      const why =
        result.reason === 'exited'
          ? 'the container exited'
          : result.reason === 'timeout'
            ? `not ready after ${Math.round(result.elapsedMs / 1000)} s`
            : maskSecret(String((result.lastError as Error)?.message), this.db.password);
      throw new UserError(`Postgres in container ${this.containerName} did not become ready: ${why}`, {
        details: ['Last lines of the container log:', ...indentLines(log)],
        hint: `See \`docker logs ${this.containerName}\`; \`devup reset\` recreates it from scratch.`,
      });
    }
    return {
      engine: 'docker',
      connection: this.connection,
      description: `container ${this.containerName} (${this.db.image}) on ${this.db.bind}:${this.db.port}`,
      action,
      readyMs: result.elapsedMs,
    };
  }

  private async ensurePortFree(): Promise<void> {
    if (await isPortFree(this.db.port, this.db.bind === '0.0.0.0' ? '0.0.0.0' : '127.0.0.1')) return;
    throw await this.portTaken();
  }

  private async portTaken(): Promise<UserError> {
    let holder: PortHolder | undefined;
    try {
      const docker = await this.client();
      const containers = await docker.listContainers();
      const match = containers.find((c) => c.Ports.some((p) => p.PublicPort === this.db.port));
      if (match) {
        const name = match.Names[0]?.replace(/^\//, '') ?? match.Id.slice(0, 12);
        const owner = match.Labels?.[LABEL.checkout];
        holder =
          owner !== undefined && owner !== this.checkout
            ? {
                what: `the Docker container ${name}, the Postgres of the devup environment of ${match.Labels?.[LABEL.project]} in ${owner}`,
                stop: `run \`devup down\` in ${owner}`,
              }
            : { what: `the Docker container ${name}`, stop: `\`docker stop ${name}\`` };
      }
    } catch {
      // Best effort: the port is taken either way.
    }
    holder ??= findPortHolder(this.db.port, (root) => root === this.checkout);
    return new UserError(`port ${this.db.port} is already in use by ${holder?.what ?? 'another program'}`, {
      hint: `${stopHint(holder)}, or set database.port in the config to a free port (e.g. ${this.db.port + 1}).`,
    });
  }

  private async create(docker: Docker, labels: Record<string, string>, sink: ProgressSink): Promise<void> {
    const image = await ensureImage(docker, this.db.image, sink);
    const dataPath = dataVolumePath(image);
    await this.call('create the volume', () =>
      docker.createVolume({
        Name: this.volumeName,
        Labels: {
          [LABEL.project]: this.project,
          [LABEL.version]: VERSION,
          ...(this.checkout === undefined ? {} : { [LABEL.checkout]: this.checkout }),
          ...this.extraLabels,
        },
      }),
    );
    await this.call('create the container', () =>
      docker.createContainer({
        name: this.containerName,
        Image: this.db.image,
        Labels: { ...labels, ...this.extraLabels },
        Env: [
          `POSTGRES_USER=${this.db.user}`,
          `POSTGRES_PASSWORD=${this.db.password}`,
          `POSTGRES_DB=${this.db.database}`,
          `PGDATA=${dataPath.pgdata}`,
        ],
        ExposedPorts: { '5432/tcp': {} },
        // SIGINT is Postgres's "fast shutdown": it does not wait for clients to disconnect.
        StopSignal: 'SIGINT',
        HostConfig: {
          PortBindings: { '5432/tcp': [{ HostIp: this.db.bind, HostPort: String(this.db.port) }] },
          Mounts: [{ Type: 'volume', Source: this.volumeName, Target: dataPath.mount }],
        },
      }),
    );
  }

  private async lastLogLines(count: number): Promise<string> {
    try {
      const docker = await this.client();
      const raw = (await docker
        .getContainer(this.containerName)
        .logs({ stdout: true, stderr: true, tail: count, follow: false })) as unknown as Buffer;
      return maskSecret(demuxDockerLogs(Buffer.from(raw)), this.db.password);
    } catch {
      return '(no log available)';
    }
  }

  async stop(): Promise<'stopped' | 'not-running'> {
    const existing = await this.call('inspect the container', () => this.inspectContainer());
    if (!existing) return 'not-running';
    if (existing.Config.Labels?.[LABEL.project] !== this.project) throw this.foreign('container', this.containerName);
    this.refuseOtherCheckout('container', this.containerName, existing.Config.Labels);
    if (!existing.State.Running) return 'not-running';
    const docker = await this.client();
    await this.call('stop the container', () => docker.getContainer(this.containerName).stop({ t: 10 }));
    return 'stopped';
  }

  async status(): Promise<EngineStatus> {
    if (!(await this.ping())) {
      return { engine: 'docker', state: 'unreachable', description: 'no Docker engine answers', port: undefined };
    }
    const existing = await this.inspectContainer();
    if (!existing)
      return { engine: 'docker', state: 'absent', description: `no container ${this.containerName}`, port: undefined };
    return {
      engine: 'docker',
      state: existing.State.Running ? 'running' : 'stopped',
      description: `container ${this.containerName} (${existing.Config.Image}), volume ${this.volumeName}`,
      port: this.db.port,
    };
  }

  async listDestroyable(): Promise<Destroyable[]> {
    const items: Destroyable[] = [];
    const container = await this.call('inspect the container', () => this.inspectContainer());
    if (container) {
      if (container.Config.Labels?.[LABEL.project] !== this.project)
        throw this.foreign('container', this.containerName);
      this.refuseOtherCheckout('container', this.containerName, container.Config.Labels);
      items.push({ kind: 'container', name: this.containerName, detail: container.Config.Image });
    }
    const volume = await this.call('inspect the volume', () => this.inspectVolume());
    if (volume) {
      if (volume.Labels?.[LABEL.project] !== this.project) throw this.foreign('volume', this.volumeName);
      this.refuseOtherCheckout('volume', this.volumeName, volume.Labels);
      items.push({ kind: 'volume', name: this.volumeName, detail: await this.volumeSize() });
    }
    return items;
  }

  private async volumeSize(): Promise<string | undefined> {
    try {
      const docker = await this.client();
      const df = (await docker.df()) as { Volumes?: { Name: string; UsageData?: { Size?: number } }[] };
      const size = df.Volumes?.find((v) => v.Name === this.volumeName)?.UsageData?.Size;
      return size !== undefined && size >= 0 ? formatBytes(size) : undefined;
    } catch {
      return undefined;
    }
  }

  async destroy(): Promise<void> {
    // listDestroyable re-checks the labels, so only this project's resources can go.
    const items = await this.listDestroyable();
    const docker = await this.client();
    if (items.some((i) => i.kind === 'container')) {
      await this.call('remove the container', () => docker.getContainer(this.containerName).remove({ force: true }));
    }
    if (items.some((i) => i.kind === 'volume')) {
      await this.call('remove the volume', () => docker.getVolume(this.volumeName).remove());
    }
  }
}

function indentLines(text: string): string[] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `  ${line}`);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
