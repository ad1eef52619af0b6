import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClient } from '../../../../src/database/connection/connection.js';
import { type Binaries, embeddedBinaries } from '../../../../src/database/embedded/binaries.js';
import {
  cacheKey,
  clusterCacheRoot,
  ensureCachedCluster,
  readValidEntry,
} from '../../../../src/database/embedded/cluster-cache.js';
import { serverUserIds } from '../../../../src/database/embedded/server-user.js';
import { withThrowawayDatabase } from '../../../../src/database/throwaway/throwaway.js';
import { readTargetState } from '../../../../src/migrations/tools/tool-history.js';
import { createWorkspace, type Workspace } from '../../../helpers/workspace.js';

let bins: Binaries;
let ws: Workspace;
const previousCache = process.env.XDG_CACHE_HOME;

beforeAll(async () => {
  // A cache of this file's own: the first run of each test below really is a first run.
  process.env.XDG_CACHE_HOME = mkdtempSync(path.join(os.tmpdir(), 'devup-cache-test-'));
  bins = await embeddedBinaries();
  ws = createWorkspace({ 'migrations/0001_a.sql': 'create table a (id int);\n' });
});
afterAll(() => {
  if (process.env.XDG_CACHE_HOME) rmSync(process.env.XDG_CACHE_HOME, { recursive: true, force: true });
  process.env.XDG_CACHE_HOME = previousCache;
  ws?.cleanup();
});

function entries(): string[] {
  return readdirSync(clusterCacheRoot()).sort();
}

describe('the cached cluster', () => {
  it('two first runs at once agree on one entry, and leave nothing half made', async () => {
    const key = cacheKey(bins, 'agree', serverUserIds());
    const [a, b] = await Promise.all([
      ensureCachedCluster(bins, key, serverUserIds()),
      ensureCachedCluster(bins, key, serverUserIds()),
    ]);
    expect(a).toEqual(b);
    expect(entries().filter((name) => name.startsWith('.'))).toEqual([]);
    expect(readValidEntry(path.dirname(a.dataDir), key)).toEqual(a);
  });

  it('is never shared between superusers, and is not valid for other binaries or settings', async () => {
    const ids = serverUserIds();
    const alice = await ensureCachedCluster(bins, cacheKey(bins, 'alice', ids), ids);
    const bob = await ensureCachedCluster(bins, cacheKey(bins, 'bob', ids), ids);
    expect(path.dirname(alice.dataDir)).not.toBe(path.dirname(bob.dataDir));
    expect(alice.password).not.toBe(bob.password);
    const entry = path.dirname(alice.dataDir);
    const key = cacheKey(bins, 'alice', ids);
    expect(readValidEntry(entry, key)).toEqual(alice);
    expect(readValidEntry(entry, { ...key, user: 'bob' })).toBeUndefined();
    expect(readValidEntry(entry, { ...key, version: '99.0.0' })).toBeUndefined();
    expect(readValidEntry(entry, { ...key, initdb: [...key.initdb, '--data-checksums'] })).toBeUndefined();
  });

  it.each([
    ['a truncated relation file', (data: string) => truncateSync(path.join(data, 'base', '1', firstRelation(data)), 1)],
    ['a removed file', (data: string) => rmSync(path.join(data, 'PG_VERSION'))],
    ['an edited setting', (data: string) => writeFileSync(path.join(data, 'pg_hba.conf'), 'host all all all trust\n')],
    ['a missing password', (data: string) => rmSync(path.join(path.dirname(data), 'password'))],
  ])('is detected as damaged and replaced: %s', async (_what, damage) => {
    const ids = serverUserIds();
    const key = cacheKey(bins, 'damaged', ids);
    const before = await ensureCachedCluster(bins, key, ids);
    damage(before.dataDir);
    expect(readValidEntry(path.dirname(before.dataDir), key)).toBeUndefined();
    const after = await ensureCachedCluster(bins, key, ids);
    expect(after.password).not.toBe(before.password);
    expect(readValidEntry(path.dirname(after.dataDir), key)).toEqual(after);
  });
});

function firstRelation(data: string): string {
  const name = readdirSync(path.join(data, 'base', '1')).find((f) => /^\d+$/.test(f));
  if (!name) throw new Error('no relation file');
  return name;
}

describe('a throwaway copied from the cache', () => {
  it('answers only to its own password, and never has the identity of an earlier copy', async () => {
    const config = ws.config({ project: 'perf-cache-test', services: { a: { migrations: { dir: 'migrations' } } } });
    const seen: { identity: string; systemId: string; oid: string; password: string }[] = [];
    for (let i = 0; i < 2; i++) {
      await withThrowawayDatabase(config, { engine: 'embedded' }, async (db) => {
        await withClient(db.connection, async (client) => {
          await client.query('create schema s');
          const { rows } = await client.query<{ systemId: string; oid: string }>(
            `select (select system_identifier::text from pg_control_system()) as "systemId",
                    (select oid::text from pg_database where datname = current_database()) as oid`,
          );
          const state = await readTargetState(client, 's', undefined);
          seen.push({
            identity: state.identity,
            ...(rows[0] as { systemId: string; oid: string }),
            password: db.connection.password,
          });
        });
      });
    }
    const [first, second] = seen as [(typeof seen)[0], (typeof seen)[0]];
    // What makes the pitfall real: the same cluster bytes, the same database oid...
    expect(second.systemId).toBe(first.systemId);
    expect(second.oid).toBe(first.oid);
    // ...yet the tool fingerprint's identity tells the copies apart.
    expect(second.identity).not.toBe(first.identity);
    expect(second.password).not.toBe(first.password);
    const [entry] = entries().filter((name) => /^pg\d+-/.test(name));
    const cached = readFileSync(path.join(clusterCacheRoot(), entry ?? '', 'password'), 'utf8').trim();
    expect([first.password, second.password]).not.toContain(cached);
  });

  it('marks its entry used and removes an entry of another version unused for two weeks', async () => {
    const stale = path.join(clusterCacheRoot(), 'pg17-0123456789abcdef');
    mkdirSync(path.join(stale, 'data'), { recursive: true });
    const longAgo = new Date(Date.now() - 15 * 24 * 60 * 60 * 1000);
    utimesSync(stale, longAgo, longAgo);
    const config = ws.config({ project: 'perf-cache-prune', services: { a: { migrations: { dir: 'migrations' } } } });
    const started = Date.now();
    await withThrowawayDatabase(config, { engine: 'embedded' }, async () => {});
    expect(existsSync(stale)).toBe(false);
    const used = entries()
      .filter((name) => /^pg\d+-/.test(name))
      .map(
        (name) => statSync(path.join(clusterCacheRoot(), name, 'last-used'), { throwIfNoEntry: false })?.mtimeMs ?? 0,
      );
    expect(Math.max(...used)).toBeGreaterThanOrEqual(started - 1000);
  });
});
