import type { DatabaseSettings } from '../../config/types.js';
import type { ConnectionInfo } from './connection.js';

/**
 * Where a server devup runs answers: the Docker engine's published address (loopback for a
 * wildcard bind) or the embedded cluster's loopback port. Known without loading the engine, so a
 * warm start connects before any engine code is read.
 */
export function localConnection(engine: 'docker' | 'embedded', db: DatabaseSettings): ConnectionInfo {
  const host = engine === 'embedded' || db.bind === '0.0.0.0' || db.bind === '::' ? '127.0.0.1' : db.bind;
  return { host, port: db.port, user: db.user, password: db.password, database: db.database };
}
