import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where Docker, Docker Desktop, Colima, Rancher Desktop and Podman put their API socket. */
export function dockerSocketCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = os.homedir();
  const runtime = env.XDG_RUNTIME_DIR ?? (process.getuid ? `/run/user/${process.getuid()}` : undefined);
  return [
    '/var/run/docker.sock',
    path.join(home, '.docker/run/docker.sock'),
    path.join(home, '.docker/desktop/docker.sock'),
    path.join(home, '.colima/default/docker.sock'),
    path.join(home, '.colima/docker.sock'),
    path.join(home, '.rd/docker.sock'),
    ...(runtime ? [path.join(runtime, 'docker.sock'), path.join(runtime, 'podman/podman.sock')] : []),
    '/run/podman/podman.sock',
  ];
}

export type DockerEndpoint = { kind: 'env'; host: string } | { kind: 'socket'; socketPath: string };

/** DOCKER_HOST when set; else the first socket that exists. Undefined: no engine to ask. */
export function findDockerEndpoint(env: NodeJS.ProcessEnv = process.env): DockerEndpoint | undefined {
  if (env.DOCKER_HOST) return { kind: 'env', host: env.DOCKER_HOST };
  const socketPath = dockerSocketCandidates(env).find((candidate) => existsSync(candidate));
  return socketPath ? { kind: 'socket', socketPath } : undefined;
}

export function describeEndpoint(endpoint: DockerEndpoint): string {
  return endpoint.kind === 'env' ? `DOCKER_HOST=${endpoint.host}` : endpoint.socketPath;
}
