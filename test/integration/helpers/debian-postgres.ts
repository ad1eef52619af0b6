import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConnectionInfo } from '../../../src/database/connection/connection.js';
import { freePort } from '../../helpers/ports.js';

/** Debian's PostgreSQL 15, on these machines for tests only (pg_dump as a reference). */
export const DEBIAN_PG_BIN = '/usr/lib/postgresql/15/bin';

export function debianPostgresAvailable(): boolean {
  return existsSync(path.join(DEBIAN_PG_BIN, 'pg_dump')) && existsSync(path.join(DEBIAN_PG_BIN, 'initdb'));
}

export interface DebianPostgres {
  connection: ConnectionInfo;
  /** `pg_dump --schema-only` of one schema, without the \restrict lines that change on every run. */
  dumpSchema(database: string, schema: string): string;
  stop(): void;
}

/**
 * A Postgres 15 cluster from Debian's binaries in a temp directory, for comparing with pg_dump of
 * the same major version (pg_dump refuses newer servers). As root it runs as "postgres".
 */
export async function startDebianPostgres(): Promise<DebianPostgres> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devup-pg15-'));
  chmodSync(dir, 0o755);
  const asRoot = process.getuid?.() === 0;
  const run = (binary: string, args: string[]) => {
    const file = path.join(DEBIAN_PG_BIN, binary);
    return asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', file, ...args], { encoding: 'utf8' })
      : execFileSync(file, args, { encoding: 'utf8' });
  };
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, uid);
  }
  const data = path.join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort(55100);
  // -w: pg_ctl polls until the server accepts connections.
  run('pg_ctl', [
    'start',
    '-w',
    '-D',
    data,
    '-l',
    path.join(dir, 'log'),
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
  ]);
  return {
    connection: { host: '127.0.0.1', port, user: 'postgres', password: '', database: 'postgres' },
    dumpSchema: (database, schema) =>
      execFileSync(
        path.join(DEBIAN_PG_BIN, 'pg_dump'),
        [
          '--schema-only',
          '--no-owner',
          '--no-privileges',
          '-h',
          '127.0.0.1',
          '-p',
          String(port),
          '-U',
          'postgres',
          '-n',
          schema,
          database,
        ],
        { encoding: 'utf8' },
      )
        .split('\n')
        .filter((line) => !/^\\(un)?restrict\b/.test(line))
        .join('\n'),
    stop() {
      try {
        run('pg_ctl', ['stop', '-w', '-m', 'fast', '-D', data]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
