/**
 * What devup knows about each infra `kind`: the image, the ports it listens on, where it keeps its
 * data, how to tell it is really ready (never only an open port: Redis answers TCP while it loads
 * its data, RabbitMQ minutes before it accepts a login) and how long a first start may take.
 * Plain data, so the normaliser can fill defaults without loading anything.
 */
export const INFRA_KINDS = ['redis', 'rabbitmq', 'minio', 'qdrant', 'mailpit'] as const;
export type InfraKind = (typeof INFRA_KINDS)[number];

export type PresetReady =
  | { kind: 'command'; argv: string[]; expect?: string }
  | { kind: 'http'; port: number; path: string }
  | { kind: 'tcp'; port: number };

export interface InfraPreset {
  image: string;
  /** Container ports, the first is the one `{infra.NAME.port}` and the URL name. Host port = container port unless set. */
  ports: number[];
  /** The data directory inside the container (a named volume unless `data: 'ephemeral'`). */
  dataPath: string;
  command?: string[];
  ready: PresetReady;
  readyTimeoutMs: number;
  /**
   * How often Docker runs a command check as the container's healthcheck (what lets a warm
   * `devup dev` trust a running container from the one list call). 10 s unless set.
   */
  healthIntervalMs?: number;
  /** Generated once per checkout, passed in these variables (unless `env` sets them). */
  credentials?: { userVar: string; passwordVar: string; user: string };
  /** The URL services get, from host, port, user and password. */
  url: (v: { host: string; port: number; user: string; password: string }) => string;
  /** A program that runs the same thing without Docker, when it is on the PATH. */
  native?: { program: string; args: (v: { port: number; dataDir: string }) => string[] };
}

export const INFRA_PRESETS: Record<InfraKind, InfraPreset> = {
  redis: {
    image: 'redis:7',
    ports: [6379],
    dataPath: '/data',
    ready: { kind: 'command', argv: ['redis-cli', 'ping'], expect: 'PONG' },
    readyTimeoutMs: 30_000,
    url: ({ host, port }) => `redis://${host}:${port}`,
    native: {
      program: 'redis-server',
      args: ({ port, dataDir }) => ['--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir, '--save', '60 1'],
    },
  },
  rabbitmq: {
    image: 'rabbitmq:3-management',
    ports: [5672, 15672],
    dataPath: '/var/lib/rabbitmq',
    // `ping` answers once the Erlang node runs, seconds before AMQP accepts a connection (measured
    // here: 1.2 s against 3.8 s); this passes only when every listener (AMQP, management) accepts.
    ready: { kind: 'command', argv: ['rabbitmq-diagnostics', '-q', 'check_port_connectivity'] },
    readyTimeoutMs: 120_000,
    // Each check starts an Erlang VM (about 0.5 s of CPU): not every 10 s, forever.
    healthIntervalMs: 30_000,
    credentials: { userVar: 'RABBITMQ_DEFAULT_USER', passwordVar: 'RABBITMQ_DEFAULT_PASS', user: 'devup' },
    url: ({ host, port, user, password }) =>
      `amqp://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}`,
  },
  minio: {
    image: 'minio/minio',
    ports: [9000, 9001],
    dataPath: '/data',
    command: ['server', '/data', '--console-address', ':9001'],
    ready: { kind: 'http', port: 9000, path: '/minio/health/ready' },
    readyTimeoutMs: 60_000,
    credentials: { userVar: 'MINIO_ROOT_USER', passwordVar: 'MINIO_ROOT_PASSWORD', user: 'devup' },
    url: ({ host, port }) => `http://${host}:${port}`,
    native: {
      program: 'minio',
      args: ({ port, dataDir }) => ['server', dataDir, '--address', `127.0.0.1:${port}`],
    },
  },
  qdrant: {
    image: 'qdrant/qdrant',
    ports: [6333, 6334],
    dataPath: '/qdrant/storage',
    ready: { kind: 'http', port: 6333, path: '/readyz' },
    readyTimeoutMs: 60_000,
    url: ({ host, port }) => `http://${host}:${port}`,
  },
  mailpit: {
    image: 'axllent/mailpit',
    ports: [1025, 8025],
    dataPath: '/data',
    ready: { kind: 'http', port: 8025, path: '/readyz' },
    readyTimeoutMs: 30_000,
    url: ({ host, port }) => `smtp://${host}:${port}`,
  },
};

/** The fields `{infra.NAME.FIELD}` can name. */
export const INFRA_FIELDS = ['url', 'host', 'port', 'user', 'password'] as const;
export type InfraField = (typeof INFRA_FIELDS)[number];
