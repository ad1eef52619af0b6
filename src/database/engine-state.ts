import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DatabaseSettings } from '../config/types.js';
import { writeJsonAtomic } from '../lib/atomic-json.js';
import type { ConcreteEngine } from './engine.js';

/** What devup remembers about where this project's data lives (.devup/engine.json). */
export interface EngineState {
  engine: ConcreteEngine;
  /** Hash of the options the server was created with; a change means the fast path is off. */
  optionsHash: string;
  /** pg_control_system().system_identifier: proves the server on the port is this project's cluster. */
  systemIdentifier?: string;
  /** The checkout that wrote this state: a copied `.devup/` must not lead to another checkout's server. */
  checkout?: string;
  createdAt: string;
}

const FILE = 'engine.json';

export function readEngineState(stateDir: string): EngineState | undefined {
  try {
    return JSON.parse(readFileSync(path.join(stateDir, FILE), 'utf8')) as EngineState;
  } catch {
    return undefined;
  }
}

export function writeEngineState(stateDir: string, state: EngineState): void {
  writeJsonAtomic(path.join(stateDir, FILE), state);
}

/** The options whose change means the server must be created differently. */
export function engineOptionsHash(engine: ConcreteEngine, db: DatabaseSettings): string {
  const relevant =
    engine === 'external'
      ? { url: db.url }
      : {
          image: engine === 'docker' ? db.image : undefined,
          port: db.port,
          bind: db.bind,
          user: db.user,
          password: db.password,
          database: db.database,
          dataDir: engine === 'embedded' ? db.dataDir : undefined,
        };
  return createHash('sha256')
    .update(JSON.stringify({ engine, ...relevant }))
    .digest('hex')
    .slice(0, 16);
}
