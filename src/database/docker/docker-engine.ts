import type Docker from 'dockerode';
import { LEGACY_DEFAULT_PASSWORD } from '../../config/default-password.js';
import type { DatabaseSettings } from '../../config/types.js';
import { UserError } from '../../errors.js';
import { formatBytes } from '../../lib/format.js';
import { type ConnectionInfo, isLoopbackAddress } from '../connection/connection.js';
import { localConnection } from '../connection/local-connection.js';
import type { DatabaseEngine, Destroyable, EngineStatus, ProgressSink, RunningDatabase } from '../engine.js';
import { DockerApi } from './api.js';
import { type ContainerPlan, createContainer, ensureContainerPortFree, startContainer } from './container.js';
import { credentialsChanged, foreignResource, otherCheckout } from './diagnostics.js';
import {
  containerLabels,
  containerName,
  describeLabelChanges,
  imageMajor,
  LABEL,
  passwordHash,
  volumeName,
} from './labels.js';
import { waitForContainerPostgres } from './ready.js';
import type { DockerEndpoint } from './socket.js';

/**
 * The project's Postgres in a Docker container with a named volume, both labelled with the
 * project and checkout; the container is recreated on the same volume when its options change.
 */
export class DockerEngine implements DatabaseEngine {
  readonly name = 'docker' as const;
  readonly #api: DockerApi;

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
    this.#api = new DockerApi(endpoint);
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
    return localConnection('docker', this.db);
  }

  get #plan(): ContainerPlan {
    return {
      project: this.project,
      checkout: this.checkout,
      db: this.db,
      container: this.containerName,
      volume: this.volumeName,
      labels: containerLabels(this.project, this.db, this.checkout),
      extraLabels: this.extraLabels,
    };
  }

  /** Whether an engine answers; used by `auto` and by status. */
  ping(): Promise<boolean> {
    return this.#api.ping();
  }

  /** Reuses the running container, starts a stopped one, or creates it (recreating it when its options changed). */
  async start(sink: ProgressSink): Promise<RunningDatabase> {
    const plan = this.#plan;
    const existing = await this.#reusableContainer(plan, sink);
    const volume = await this.#ownVolume();
    const action: RunningDatabase['action'] = existing?.State.Running
      ? 'reused'
      : existing || volume
        ? 'started'
        : 'created';
    if (action !== 'reused') {
      await ensureContainerPortFree(this.#api, plan);
      if (!existing) await createContainer(this.#api, plan, sink);
      this.#warnIfPublished(sink);
      await startContainer(this.#api, plan);
    }
    const readyMs = await waitForContainerPostgres(this.#api, plan, this.connection);
    return {
      engine: 'docker',
      connection: this.connection,
      description: `container ${this.containerName} (${this.db.image}) on ${this.db.bind}:${this.db.port}`,
      action,
      readyMs,
    };
  }

  /** This project's container when it was created with the options the config asks for now; one made from others is removed. */
  async #reusableContainer(plan: ContainerPlan, sink: ProgressSink): Promise<Docker.ContainerInspectInfo | undefined> {
    const existing = await this.#ownContainer();
    const labels = existing?.Config.Labels ?? {};
    if (!existing || labels[LABEL.optionsHash] === plan.labels[LABEL.optionsHash]) return existing;
    this.#refuseMajorChange(labels[LABEL.image] ?? existing.Config.Image);
    await this.#refuseCredentialChange(labels, plan.labels);
    sink.notice(
      `Recreating ${this.containerName} on the same volume (${describeLabelChanges(labels, plan.labels).join('; ')}).`,
    );
    await this.#api.call('remove the old container', (docker) =>
      docker.getContainer(this.containerName).remove({ force: true, v: false }),
    );
    return undefined;
  }

  #refuseMajorChange(oldImage: string): void {
    const oldMajor = imageMajor(oldImage);
    const newMajor = imageMajor(this.db.image);
    if (oldMajor === undefined || newMajor === undefined || oldMajor === newMajor) return;
    throw new UserError(
      `database.image changed from Postgres ${oldMajor} to ${newMajor}; the volume ${this.volumeName} holds Postgres ${oldMajor} data`,
      {
        hint: `Set database.image back to postgres:${oldMajor}, or run \`devup reset\` to start over on Postgres ${newMajor} (destroys the volume).`,
      },
    );
  }

  /**
   * Postgres applies POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB only when it initialises a
   * fresh volume: a container recreated with new ones on the old volume would refuse to log in.
   */
  async #refuseCredentialChange(current: Record<string, string>, wanted: Record<string, string>): Promise<void> {
    const keys = [LABEL.user, LABEL.passwordHash, LABEL.database];
    const changed = describeLabelChanges(
      Object.fromEntries(keys.map((k) => [k, current[k] ?? ''])),
      Object.fromEntries(keys.map((k) => [k, wanted[k] ?? ''])),
    );
    if (
      changed.length === 0 ||
      !(await this.#api.call('inspect the volume', () => this.#api.inspectVolume(this.volumeName)))
    )
      return;
    throw credentialsChanged(
      changed,
      this.volumeName,
      current[LABEL.passwordHash] === passwordHash(LEGACY_DEFAULT_PASSWORD),
    );
  }

  #warnIfPublished(sink: ProgressSink): void {
    if (isLoopbackAddress(this.db.bind) || this.db.bind === 'localhost') return;
    sink.notice(
      `database.bind is ${this.db.bind}: Postgres is published beyond this machine; anyone who reaches port ${this.db.port} can try the password${this.db.password === LEGACY_DEFAULT_PASSWORD ? ` "${LEGACY_DEFAULT_PASSWORD}" (set another with database.password)` : ''}.`,
    );
  }

  /** The project's container, if there is one; refuses one of another project or checkout under its name. */
  async #ownContainer(): Promise<Docker.ContainerInspectInfo | undefined> {
    const container = await this.#api.call('inspect the container', () =>
      this.#api.inspectContainer(this.containerName),
    );
    if (container) this.#refuseForeign('container', this.containerName, container.Config.Labels);
    return container;
  }

  /** The project's volume, if there is one; refuses one of another project or checkout under its name. */
  async #ownVolume(): Promise<Docker.VolumeInspectInfo | undefined> {
    const volume = await this.#api.call('inspect the volume', () => this.#api.inspectVolume(this.volumeName));
    if (volume) this.#refuseForeign('volume', this.volumeName, volume.Labels);
    return volume;
  }

  /**
   * Refuses a container or volume that is not this project's, or that another checkout created
   * under the same project name. Those from a devup that did not label checkouts yet are taken
   * as this checkout's.
   */
  #refuseForeign(kind: 'container' | 'volume', name: string, labels: Record<string, string> | null | undefined): void {
    if (labels?.[LABEL.project] !== this.project) throw foreignResource(kind, name, this.project);
    const owner = labels[LABEL.checkout];
    if (this.checkout === undefined || owner === undefined || owner === this.checkout) return;
    throw otherCheckout(kind, name, this.project, owner, this.checkout);
  }

  async stop(): Promise<'stopped' | 'not-running'> {
    const existing = await this.#ownContainer();
    if (!existing?.State.Running) return 'not-running';
    await this.#api.call('stop the container', (docker) => docker.getContainer(this.containerName).stop({ t: 10 }));
    return 'stopped';
  }

  async status(): Promise<EngineStatus> {
    if (!(await this.ping())) {
      return { engine: 'docker', state: 'unreachable', description: 'no Docker engine answers', port: undefined };
    }
    const existing = await this.#api.inspectContainer(this.containerName);
    if (!existing)
      return { engine: 'docker', state: 'absent', description: `no container ${this.containerName}`, port: undefined };
    // Labels decide: a container of this name that devup did not create for this checkout is not its Postgres.
    try {
      this.#refuseForeign('container', this.containerName, existing.Config.Labels);
    } catch (error) {
      const why = (error as Error).message;
      return {
        engine: 'docker',
        state: 'absent',
        description: `no container of devup's: ${why} (devup never touches it)`,
        port: undefined,
      };
    }
    return {
      engine: 'docker',
      state: existing.State.Running ? 'running' : 'stopped',
      description: `container ${this.containerName} (${existing.Config.Image}), volume ${this.volumeName}`,
      port: this.db.port,
    };
  }

  async listDestroyable(): Promise<Destroyable[]> {
    const items: Destroyable[] = [];
    const container = await this.#ownContainer();
    if (container) items.push({ kind: 'container', name: this.containerName, detail: container.Config.Image });
    const volume = await this.#ownVolume();
    if (volume) items.push({ kind: 'volume', name: this.volumeName, detail: await this.#volumeSize() });
    return items;
  }

  async #volumeSize(): Promise<string | undefined> {
    try {
      const docker = await this.#api.client();
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
    if (items.some((i) => i.kind === 'container')) {
      await this.#api.call('remove the container', (docker) =>
        docker.getContainer(this.containerName).remove({ force: true }),
      );
    }
    if (items.some((i) => i.kind === 'volume')) {
      await this.#api.call('remove the volume', (docker) => docker.getVolume(this.volumeName).remove());
    }
  }
}
