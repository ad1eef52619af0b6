// The one Postgres server every measured tool talks to: a scratch PG15 cluster (Debian's
// binaries, run as the postgres user, fsync off) or the server in BENCH_DATABASE_URL.
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { onCleanup } from './cleanup.mjs';
import { freePort, log, runSync } from './util.mjs';

export const PG_BIN = process.env.BENCH_PG_BIN ?? '/usr/lib/postgresql/15/bin';
export const PSQL = path.join(PG_BIN, 'psql');

function ids(user) {
  const uid = Number(runSync('id', ['-u', user]).stdout.trim());
  const gid = Number(runSync('id', ['-g', user]).stdout.trim());
  return { uid, gid };
}

/** As root, Postgres must run as an unprivileged user. */
function asServerUser(command, args, options = {}) {
  if (process.getuid?.() === 0) return runSync('runuser', ['-u', 'postgres', '--', command, ...args], options);
  return runSync(command, args, options);
}

export class BenchServer {
  /** @param {{host:string, port:number, user:string, password:string, adminDb:string}} info */
  constructor(info, { scratch, prefix }) {
    this.info = info;
    this.scratch = scratch;
    this.prefix = prefix;
    this.databases = new Set();
  }

  /** postgres://… URL for a database on this server, with optional query parameters. */
  url(database, params = {}) {
    const url = new URL('postgres://localhost');
    url.hostname = this.info.host;
    url.port = String(this.info.port);
    url.username = this.info.user;
    url.password = this.info.password;
    url.pathname = `/${database}`;
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    return url.toString();
  }

  /** libpq environment for psql. */
  get env() {
    return {
      PGHOST: this.info.host,
      PGPORT: String(this.info.port),
      PGUSER: this.info.user,
      PGPASSWORD: this.info.password,
      PGDATABASE: this.info.adminDb,
      PGCONNECT_TIMEOUT: '5',
    };
  }

  /** Runs SQL on the admin database (or `database`); returns stdout. */
  sql(text, database = this.info.adminDb) {
    return runSync(PSQL, ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', database, '-c', text], {
      env: this.env,
    }).stdout.trim();
  }

  name(suffix) {
    return `${this.prefix}_${suffix}`;
  }

  /** A fresh, empty database (dropped first if it exists). */
  freshDatabase(suffix) {
    const name = this.name(suffix);
    this.dropDatabase(name);
    this.sql(`create database "${name}" template template0`);
    this.databases.add(name);
    // Start every measured run from a clean slate: no pending dirty buffers from the last one.
    this.sql('checkpoint');
    return name;
  }

  dropDatabase(name) {
    this.sql(`drop database if exists "${name}" with (force)`);
    this.databases.delete(name);
  }

  version() {
    return this.sql('show server_version');
  }
}

/**
 * A CA and a server certificate for 127.0.0.1 and localhost, made with openssl in `dir`; the key
 * is readable by the server user only.
 */
function makeCertificates(dir) {
  mkdirSync(dir, { recursive: true });
  const openssl = (args) => runSync('openssl', args, { cwd: dir });
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=bench-ca',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  ]);
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  ]);
  writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(
    ['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2'].concat([
      '-out',
      'server.pem',
      '-extfile',
      'server.ext',
    ]),
  );
  chmodSync(path.join(dir, 'server.key'), 0o600);
  if (process.getuid?.() === 0) {
    const { uid, gid } = ids('postgres');
    chownSync(path.join(dir, 'server.key'), uid, gid);
  }
  return {
    caFile: path.join(dir, 'ca.pem'),
    certFile: path.join(dir, 'server.pem'),
    keyFile: path.join(dir, 'server.key'),
  };
}

/**
 * The scratch server, or the one in BENCH_DATABASE_URL. `{ tls: true }` makes a scratch cluster
 * of its own (directory `name`) with ssl on, for plaintext and TLS side by side; its CA is
 * `server.caFile`.
 */
export async function startBenchServer(tempRoot, { name = 'pg', tls = false } = {}) {
  const prefix = `devup_bench_${process.pid}`;
  const external = tls ? undefined : process.env.BENCH_DATABASE_URL;
  if (external) {
    const url = new URL(external);
    const server = new BenchServer(
      {
        host: decodeURIComponent(url.hostname) || '127.0.0.1',
        port: Number(url.port || 5432),
        user: decodeURIComponent(url.username) || 'postgres',
        password: decodeURIComponent(url.password),
        adminDb: decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres',
      },
      { scratch: false, prefix },
    );
    server.sql('select 1');
    onCleanup('drop bench databases', () => {
      for (const name of [...server.databases]) server.dropDatabase(name);
    });
    log(`postgres: BENCH_DATABASE_URL (${server.info.host}:${server.info.port}), server ${server.version()}`);
    return server;
  }

  if (!existsSync(path.join(PG_BIN, 'initdb'))) {
    throw new Error(`no Postgres binaries in ${PG_BIN} (install postgresql-15, or set BENCH_DATABASE_URL)`);
  }
  const dataDir = path.join(tempRoot, name);
  mkdirSync(dataDir, { mode: 0o700 });
  if (process.getuid?.() === 0) {
    const { uid, gid } = ids('postgres');
    chownSync(dataDir, uid, gid);
  }
  const port = await freePort();
  const started = performance.now();
  asServerUser(path.join(PG_BIN, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  const stop = () => {
    if (!existsSync(path.join(dataDir, 'postmaster.pid'))) return;
    const result = asServerUser(path.join(PG_BIN, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], {
      allowFailure: true,
    });
    if (result.status !== 0 && existsSync(path.join(dataDir, 'postmaster.pid'))) {
      const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGQUIT');
    }
  };
  onCleanup('stop the scratch Postgres', stop);
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dataDir}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
    '-c shared_buffers=256MB',
  ];
  const certificates = tls ? makeCertificates(path.join(tempRoot, `${name}-tls`)) : undefined;
  if (certificates) {
    options.push('-c ssl=on', `-c ssl_cert_file=${certificates.certFile}`, `-c ssl_key_file=${certificates.keyFile}`);
  }
  asServerUser(path.join(PG_BIN, 'pg_ctl'), [
    '-D',
    dataDir,
    '-l',
    path.join(dataDir, 'server.log'),
    '-o',
    options.join(' '),
    '-w',
    '-t',
    '60',
    'start',
  ]);
  const server = new BenchServer(
    { host: '127.0.0.1', port, user: 'postgres', password: 'bench', adminDb: 'postgres' },
    { scratch: true, prefix },
  );
  server.caFile = certificates?.caFile;
  log(
    `postgres: scratch PG ${server.version()} cluster on 127.0.0.1:${port} (fsync off${tls ? ', ssl on' : ''}), ready in ${Math.round(performance.now() - started)} ms`,
  );
  return server;
}
