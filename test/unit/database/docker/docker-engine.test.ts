import type Docker from 'dockerode';
import { expect, it } from 'vitest';
import { demuxDockerLogs, diagnoseServerLog } from '../../../../src/database/docker/diagnostics.js';
import { dataVolumePath } from '../../../../src/database/docker/image.js';
import {
  containerLabels,
  describeLabelChanges,
  imageMajor,
  LABEL,
  postgresCommand,
} from '../../../../src/database/docker/labels.js';
import { dockerSocketCandidates, findDockerEndpoint } from '../../../../src/database/docker/socket.js';

const db = {
  engine: 'docker' as const,
  image: 'postgres:17',
  port: 54320,
  user: 'devup',
  password: 'secret',
  database: 'shop',
  bind: '127.0.0.1',
  url: undefined,
  dataDir: '',
  readyTimeoutMs: 1000,
  statStatements: true,
};

it('reads the major version from an image tag', () => {
  expect(imageMajor('postgres:17')).toBe(17);
  expect(imageMajor('postgres:16.4-alpine')).toBe(16);
  expect(imageMajor('registry:5000/postgres:15')).toBe(15);
  expect(imageMajor('postgres:latest')).toBeUndefined();
  expect(imageMajor('postgres')).toBeUndefined();
});

it('labels hash the options and never carry the password itself', () => {
  const labels = containerLabels('shop', db);
  expect(JSON.stringify(labels)).not.toContain('secret');
  expect(containerLabels('shop', { ...db, port: 1 })[LABEL.optionsHash]).not.toBe(labels[LABEL.optionsHash]);
  expect(describeLabelChanges(labels, containerLabels('shop', { ...db, port: 6000, password: 'other' }))).toEqual([
    'database.port: 54320 → 6000',
    'database.password changed',
  ]);
});

it('mounts the data volume the image declares (postgres 18 moved it)', () => {
  const image = (volumes: string[], env: string[]) =>
    ({
      Config: { Volumes: Object.fromEntries(volumes.map((v) => [v, {}])), Env: env },
    }) as unknown as Docker.ImageInspectInfo;
  expect(dataVolumePath(image(['/var/lib/postgresql/data'], ['PGDATA=/var/lib/postgresql/data']))).toEqual({
    mount: '/var/lib/postgresql/data',
    pgdata: '/var/lib/postgresql/data',
  });
  expect(dataVolumePath(image(['/var/lib/postgresql'], ['PGDATA=/var/lib/postgresql/18/docker']))).toEqual({
    mount: '/var/lib/postgresql',
    pgdata: '/var/lib/postgresql/18/docker',
  });
});

it('demultiplexes docker logs', () => {
  const frame = (stream: number, text: string) => {
    const body = Buffer.from(text);
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(body.length, 4);
    return Buffer.concat([header, body]);
  };
  expect(demuxDockerLogs(Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n')]))).toBe('out\nerr\n');
});

it('recognises in the server log a data directory of another major version, and an image without pg_stat_statements', () => {
  const log =
    'FATAL:  database files are incompatible with server\nDETAIL:  The data directory was initialized by PostgreSQL version 16, which is not compatible with this version 17.2.';
  expect(diagnoseServerLog(log, 'postgres:17')?.message).toBe(
    'the data volume holds Postgres 16 data, but postgres:17 runs Postgres 17',
  );
  expect(diagnoseServerLog('LOG: ready', 'postgres:17')).toBeUndefined();
  const noContrib = 'FATAL:  could not access file "pg_stat_statements": No such file or directory';
  expect(diagnoseServerLog(noContrib, 'my/postgres:17')?.message).toBe(
    'my/postgres:17 has no pg_stat_statements module, which devup preloads (shared_preload_libraries) in its container',
  );
});

it('honours DOCKER_HOST, else looks where Docker, Colima, Rancher and Podman put their socket', () => {
  expect(findDockerEndpoint({ DOCKER_HOST: 'tcp://10.0.0.1:2375' })).toEqual({
    kind: 'env',
    host: 'tcp://10.0.0.1:2375',
  });
  const candidates = dockerSocketCandidates({ XDG_RUNTIME_DIR: '/run/user/1000' });
  expect(candidates).toContain('/var/run/docker.sock');
  expect(candidates.some((c) => c.endsWith('.colima/default/docker.sock'))).toBe(true);
  expect(candidates.some((c) => c.endsWith('.rd/docker.sock'))).toBe(true);
  expect(candidates).toContain('/run/user/1000/podman/podman.sock');
});

it("preloads pg_stat_statements only when database.statStatements is on; off, the image's own command runs and the label is left out", () => {
  const plain = containerLabels('shop', { ...db, statStatements: false });
  expect(plain[LABEL.command]).toBeUndefined();
  expect(postgresCommand({ statStatements: false })).toBeUndefined();
  expect(postgresCommand({ statStatements: true })).toEqual([
    'postgres',
    '-c',
    'shared_preload_libraries=pg_stat_statements',
  ]);
  expect(describeLabelChanges(containerLabels('shop', db), plain)).toEqual([
    "the server's command: postgres -c shared_preload_libraries=pg_stat_statements → (the image's own)",
  ]);
});
