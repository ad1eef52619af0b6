// The tools people would otherwise use, installed by the bench itself (never into package.json):
// dbmate and node-pg-migrate from npm into a cache directory, Alembic from Debian.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { log, runSync, succeeds } from './util.mjs';

export const PEERS_DIR = process.env.BENCH_PEERS_DIR ?? '/var/cache/devup/bench-peers';
const NPM_PEERS = ['dbmate@^2', 'node-pg-migrate@^9', 'pg@^8'];
const PYTHON = '/usr/bin/python3';

function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(path.join(PEERS_DIR, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

function dbmateBinary() {
  // The npm package's .bin/dbmate is a Node shim (about +0.1 s a call); time the Go binary itself.
  const candidate = path.join(
    PEERS_DIR,
    'node_modules',
    '@dbmate',
    `${process.platform}-${process.arch}`,
    'bin',
    'dbmate',
  );
  return existsSync(candidate) ? candidate : undefined;
}

let aptUpdated = false;
function aptInstall(packages) {
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    runSync('apt-get', ['update', '-qq'], { env, allowFailure: true });
    aptUpdated = true;
  }
  runSync('apt-get', ['install', '-y', '-qq', ...packages], { env });
}

/** Installs what is missing; returns each peer's command (or why it is skipped) and versions. */
export function preparePeers() {
  const peers = { tools: {}, versions: {}, skipped: {} };

  if (!packageVersion('node-pg-migrate') || !packageVersion('pg') || !dbmateBinary()) {
    log(`peers: npm install --prefix ${PEERS_DIR} ${NPM_PEERS.join(' ')}`);
    try {
      runSync('npm', ['install', '--prefix', PEERS_DIR, '--no-audit', '--no-fund', '--loglevel=error', ...NPM_PEERS]);
    } catch (error) {
      log(`peers: npm install failed: ${error.message}`);
    }
  }
  const dbmate = dbmateBinary();
  if (dbmate) {
    peers.tools.dbmate = dbmate;
    peers.versions.dbmate = runSync(dbmate, ['--version'])
      .stdout.trim()
      .replace(/^dbmate version /, '');
  } else peers.skipped.dbmate = `dbmate did not install into ${PEERS_DIR}`;
  const npmBin = path.join(PEERS_DIR, 'node_modules', '.bin', 'node-pg-migrate');
  if (existsSync(npmBin) && packageVersion('pg')) {
    peers.tools.nodePgMigrate = npmBin;
    peers.versions['node-pg-migrate'] = packageVersion('node-pg-migrate');
  } else peers.skipped['node-pg-migrate'] = `node-pg-migrate did not install into ${PEERS_DIR}`;

  const alembicWorks = () => succeeds(PYTHON, ['-c', 'import alembic, psycopg2, sqlalchemy']);
  if (!alembicWorks()) {
    log('peers: apt-get install python3-alembic python3-psycopg2');
    try {
      aptInstall(['python3-alembic', 'python3-psycopg2']);
    } catch (error) {
      log(`peers: ${error.message}`);
    }
  }
  if (alembicWorks()) {
    peers.tools.alembic = [PYTHON, '-m', 'alembic'];
    peers.versions.alembic = runSync(PYTHON, ['-c', 'import alembic; print(alembic.__version__)']).stdout.trim();
  } else
    peers.skipped.alembic = 'python3-alembic/python3-psycopg2 are not installed and apt-get could not install them';
  return peers;
}

/** GNU time for peak RSS (`/usr/bin/time -f %M`). */
export function prepareTime() {
  if (!existsSync('/usr/bin/time')) {
    log('peers: apt-get install time');
    try {
      aptInstall(['time']);
    } catch (error) {
      log(`peers: ${error.message}`);
    }
  }
  return existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
}
