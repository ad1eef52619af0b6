import http from 'node:http';
import type Docker from 'dockerode';
import { UserError } from '../../errors.js';
import { EngineUnavailableError } from '../engine.js';
import { type DockerError, dockerMessage, engineUnreachable } from './diagnostics.js';
import { type DockerEndpoint, describeEndpoint, findDockerEndpoint } from './socket.js';

/**
 * The Docker Engine API as devup asks it: the endpoint is found (DOCKER_HOST, known sockets) and
 * dockerode loaded only when first needed, and a failure becomes a sentence a user can act on.
 */
export class DockerApi {
  #endpoint: DockerEndpoint | undefined | null = null;
  #docker: Docker | undefined;

  constructor(endpoint?: DockerEndpoint) {
    if (endpoint) this.#endpoint = endpoint;
  }

  get endpoint(): DockerEndpoint | undefined {
    if (this.#endpoint === null) this.#endpoint = findDockerEndpoint();
    return this.#endpoint;
  }

  async client(): Promise<Docker> {
    if (this.#docker) return this.#docker;
    const endpoint = this.endpoint;
    if (!endpoint) {
      throw new EngineUnavailableError('no Docker engine found (DOCKER_HOST is unset and no Docker socket exists)', {
        hint: 'Start Docker (or Colima, Rancher Desktop, Podman), or use --engine embedded.',
      });
    }
    const { default: DockerClass } = await import('dockerode');
    this.#docker =
      endpoint.kind === 'socket' ? new DockerClass({ socketPath: endpoint.socketPath }) : new DockerClass();
    return this.#docker;
  }

  /** Whether an engine answers; a socket devup may not use is an error, not a "no". */
  async ping(): Promise<boolean> {
    if (!this.endpoint) return false;
    try {
      const docker = await this.client();
      await withTimeout(docker.ping(), 2_000);
      return true;
    } catch (error) {
      if ((error as DockerError).code === 'EACCES') throw this.#unreachable(error);
      return false;
    }
  }

  /** Runs one API call; "Docker could not <what>: ..." when it fails, or the engine is unreachable. */
  async call<T>(what: string, fn: (docker: Docker) => Promise<T>): Promise<T> {
    try {
      return await fn(await this.client());
    } catch (error) {
      const code = (error as DockerError).code;
      if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES') throw this.#unreachable(error);
      throw error instanceof UserError
        ? error
        : new UserError(`Docker could not ${what}: ${dockerMessage(error)}`, { cause: error });
    }
  }

  /**
   * GET /containers/json with label filters. On a socket it is asked with node:http, without
   * loading dockerode (about 80 ms of CPU here): the warm path's only Docker call costs a request.
   */
  async listContainers(labels: string[]): Promise<Docker.ContainerInfo[]> {
    const socketPath = this.#socketPath();
    if (socketPath === undefined || this.#docker) {
      return this.call('list containers', (docker) => docker.listContainers({ all: true, filters: { label: labels } }));
    }
    const query = `all=1&filters=${encodeURIComponent(JSON.stringify({ label: labels }))}`;
    try {
      return (await getJson(socketPath, `/containers/json?${query}`)) as Docker.ContainerInfo[];
    } catch (error) {
      throw this.#failure('list containers', error);
    }
  }

  /**
   * Docker's event stream (GET /events), filtered; `onEvent` gets each event as parsed JSON. On a
   * socket it is one node:http request, so watching costs no dockerode load (about 80 ms of CPU
   * just after the services are ready). Returns the closer.
   */
  async events(filters: Record<string, string[]>, onEvent: (event: unknown) => void): Promise<() => void> {
    const socketPath = this.#socketPath();
    const stream: NodeJS.ReadableStream & { destroy(): void } =
      socketPath === undefined || this.#docker
        ? ((await this.call('watch events', (docker) => docker.getEvents({ filters }))) as never)
        : await openStream(socketPath, `/events?filters=${encodeURIComponent(JSON.stringify(filters))}`).catch(
            (error) => {
              throw this.#failure('watch events', error);
            },
          );
    let buffered = '';
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        try {
          onEvent(JSON.parse(line));
        } catch {
          // not an event line: nothing to report
        }
      }
    });
    stream.on('error', () => {});
    return () => stream.destroy();
  }

  /** The container named `name`, or undefined when there is none. */
  async inspectContainer(name: string): Promise<Docker.ContainerInspectInfo | undefined> {
    const docker = await this.client();
    return orUndefinedIfMissing(docker.getContainer(name).inspect());
  }

  /** The volume named `name`, or undefined when there is none. */
  async inspectVolume(name: string): Promise<Docker.VolumeInspectInfo | undefined> {
    const docker = await this.client();
    return orUndefinedIfMissing(docker.getVolume(name).inspect() as Promise<Docker.VolumeInspectInfo>);
  }

  /** The socket to ask with node:http (DOCKER_HOST=unix://… counts), or undefined (tcp, ssh: dockerode). */
  #socketPath(): string | undefined {
    const endpoint = this.endpoint;
    if (endpoint?.kind === 'socket') return endpoint.socketPath;
    return endpoint?.host.startsWith('unix://') ? endpoint.host.slice('unix://'.length) : undefined;
  }

  /** A node:http request's failure, worded as `call` words dockerode's. */
  #failure(what: string, error: unknown): Error {
    const code = (error as DockerError).code;
    if (code === 'ECONNREFUSED' || code === 'ENOENT' || code === 'EACCES') return this.#unreachable(error);
    return new UserError(`Docker could not ${what}: ${dockerMessage(error)}`, { cause: error });
  }

  #unreachable(error: unknown): EngineUnavailableError {
    return engineUnreachable(this.endpoint ? describeEndpoint(this.endpoint) : 'no socket', error);
  }
}

function getJson(socketPath: string, apiPath: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = http.get({ socketPath, path: apiPath, timeout: 10_000 }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          const body = JSON.parse(text) as { message?: string };
          if ((response.statusCode ?? 500) >= 400) {
            reject(Object.assign(new Error(body.message ?? text), { statusCode: response.statusCode }));
          } else resolve(body);
        } catch (error) {
          reject(error);
        }
      });
    });
    request.on('timeout', () => request.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    request.on('error', reject);
  });
}

/** A streaming GET: resolves with the response once Docker accepted the request (a 2xx status). */
function openStream(socketPath: string, apiPath: string): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = http.get({ socketPath, path: apiPath }, (response) => {
      if ((response.statusCode ?? 500) < 400) return resolve(response);
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let message = text;
        try {
          message = (JSON.parse(text) as { message?: string }).message ?? text;
        } catch {}
        reject(Object.assign(new Error(message), { statusCode: response.statusCode }));
      });
    });
    request.on('error', reject);
  });
}

async function orUndefinedIfMissing<T>(inspect: Promise<T>): Promise<T | undefined> {
  try {
    return await inspect;
  } catch (error) {
    if ((error as DockerError).statusCode === 404) return undefined;
    throw error;
  }
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
