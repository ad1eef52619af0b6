import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../helpers/ports.js';

/** Debian's PostgreSQL 15 (test machines have it; devup itself never uses it). */
export const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface TlsPostgres {
  port: number;
  dir: string;
  /** The CA that signed the server's certificate (and the client certificate of `certuser`). */
  caFile: string;
  /** A CA that signed nothing the server knows. */
  otherCaFile: string;
  /** A client certificate for the role `certuser`, signed by the CA, and one signed by the other CA. */
  client: { cert: string; key: string };
  strangerClient: { cert: string; key: string };
  /** Starts the server; `pg_ctl start -w` returns once it accepts connections. */
  start(): void;
  stop(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function makeCa(dir: string, name: string): void {
  openssl(
    dir,
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`].concat([
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.pem`,
    ]),
  );
}

function signed(dir: string, ca: string, name: string, cn: string, extensions?: string): void {
  openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/CN=${cn}`,
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
  ]);
  const ext = extensions ? ['-extfile', `${name}.ext`] : [];
  if (extensions) writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(
    dir,
    ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial'].concat([
      '-days',
      '2',
      '-out',
      `${name}.pem`,
      ...ext,
    ]),
  );
}

/** Runs a server binary as the `postgres` user when we are root (Postgres refuses root). */
function asPostgres(command: string, args: string[]): void {
  const argv = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', command, ...args] : [command, ...args];
  execFileSync(argv[0] as string, argv.slice(1), { stdio: 'pipe' });
}

/** A TLS-only Postgres (see createTlsPostgres), started. */
export async function startTlsPostgres(): Promise<TlsPostgres> {
  const server = await createTlsPostgres();
  try {
    server.start();
  } catch (error) {
    server.stop();
    throw error;
  }
  return server;
}

/**
 * A TLS-only Postgres cluster on a free loopback port, not started yet: certificates made here
 * with openssl (server certificate for localhost and 127.0.0.1 only), `hostssl … trust`,
 * `hostnossl … reject`, and the role `certuser` admitted only with a client certificate from the
 * CA. `stop()` always tears it down, started or not.
 */
export async function createTlsPostgres(): Promise<TlsPostgres> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devup-tls-pg-'));
  chmodSync(dir, 0o755);
  const data = path.join(dir, 'data');
  const stop = () => {
    if (existsSync(path.join(data, 'postmaster.pid'))) {
      try {
        asPostgres(`${PG_BIN}/pg_ctl`, ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // Already gone.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    makeCa(dir, 'ca');
    makeCa(dir, 'other-ca');
    signed(dir, 'ca', 'server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    signed(dir, 'ca', 'client', 'certuser');
    signed(dir, 'other-ca', 'stranger', 'certuser');
    const isRoot = process.getuid?.() === 0;
    const owner = isRoot ? Number(execFileSync('id', ['-u', 'postgres']).toString().trim()) : undefined;
    for (const key of ['server.key', 'client.key', 'stranger.key']) {
      const file = path.join(dir, key);
      chmodSync(file, 0o600);
      if (owner !== undefined && key === 'server.key') chownSync(file, owner, -1);
    }
    for (const file of ['server.pem', 'ca.pem']) chmodSync(path.join(dir, file), 0o644);
    if (owner !== undefined) chownSync(dir, owner, -1);
    asPostgres(`${PG_BIN}/initdb`, ['-D', data, '-U', 'devup', '--auth=trust', '--no-sync']);
    const port = await freePort(57400);
    appendFileSync(
      path.join(data, 'postgresql.conf'),
      [
        `port = ${port}`,
        "listen_addresses = '127.0.0.1,127.0.0.2'",
        `unix_socket_directories = '${dir}'`,
        'ssl = on',
        `ssl_cert_file = '${dir}/server.pem'`,
        `ssl_key_file = '${dir}/server.key'`,
        `ssl_ca_file = '${dir}/ca.pem'`,
        'fsync = off',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(data, 'pg_hba.conf'),
      [
        'local all all trust',
        'hostssl all certuser 127.0.0.0/8 cert',
        'hostssl all all 127.0.0.0/8 trust',
        'hostnossl all all 127.0.0.0/8 reject',
        '',
      ].join('\n'),
    );
    let started = false;
    const start = () => {
      asPostgres(`${PG_BIN}/pg_ctl`, ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '120', 'start']);
      if (started) return;
      started = true;
      const psql = ['-h', dir, '-p', String(port), '-U', 'devup', '-d', 'postgres'];
      asPostgres(`${PG_BIN}/psql`, [...psql, '-c', 'create role certuser login']);
    };
    return {
      port,
      dir,
      caFile: path.join(dir, 'ca.pem'),
      otherCaFile: path.join(dir, 'other-ca.pem'),
      client: { cert: path.join(dir, 'client.pem'), key: path.join(dir, 'client.key') },
      strangerClient: { cert: path.join(dir, 'stranger.pem'), key: path.join(dir, 'stranger.key') },
      start,
      stop,
    };
  } catch (error) {
    stop();
    throw error;
  }
}
