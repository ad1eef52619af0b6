import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { prepareDatabase } from '../../../src/app/dev/prepare-database.js';
import type { ResolvedConfig } from '../../../src/config/types.js';
import { bootDatabase } from '../../../src/database/boot.js';
import { APPLICATION_NAME, connect, connectionUrl } from '../../../src/database/connection/connection.js';
import { withWarmClient } from '../../../src/database/warm-client.js';
import { commandContext } from '../../helpers/command-context.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { createTestDatabase } from '../helpers/database.js';

// The warm path's connection has one owner: whatever the borrower does, the server ends up with
// no backend of devup's left in the test's database, and the kept client is ended exactly once.

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let observer: pg.Client;
let ws: Workspace;
let config: ResolvedConfig;
const sink = { notice: () => {} };

/** devup's sessions in the test's database, as the server counts them (the observer sits in `postgres`). */
async function devupBackends(): Promise<number> {
  const { rows } = await observer.query<{ n: string }>(
    'select count(*) as n from pg_stat_activity where datname = $1 and application_name = $2',
    [db.database, APPLICATION_NAME],
  );
  return Number(rows[0]?.n);
}

async function expectBackends(n: number): Promise<void> {
  // A backend leaves pg_stat_activity shortly after its client said goodbye: polled, not slept on.
  await vi.waitFor(async () => expect(await devupBackends()).toBe(n), { timeout: 10_000, interval: 20 });
}

beforeAll(async () => {
  db = await createTestDatabase();
  observer = await connect({ ...db, database: 'postgres' });
  ws = createWorkspace({ 'm/0001_accounts.sql': 'create table accounts (name text);' });
  config = ws.config({
    database: { engine: 'external', url: connectionUrl(db) },
    services: { api: { migrations: { dir: 'm', schema: 'warm' } } },
  });
});
afterAll(async () => {
  await observer?.end();
  await db?.drop();
  ws?.cleanup();
});
afterEach(async () => {
  await expectBackends(0);
});

describe('withWarmClient', () => {
  it('lends the connection boot kept and ends it exactly once when the borrower resolves', async () => {
    const booted = await bootDatabase(config, { sink, keepClient: true });
    const kept = booted.warmClient;
    expect(kept).toBeDefined();
    const end = vi.spyOn(kept as pg.Client, 'end');
    await expectBackends(1);

    const result = await withWarmClient(booted, async (client) => {
      expect(client).toBe(kept);
      expect(await devupBackends()).toBe(1);
      return (await client.query<{ one: number }>('select 1 as one')).rows[0]?.one;
    });

    expect(result).toBe(1);
    expect(end).toHaveBeenCalledTimes(1);
    expect(booted.warmClient).toBeUndefined();
    await expectBackends(0);
  });

  it('ends it exactly once when the borrower throws, and passes the error on', async () => {
    const booted = await bootDatabase(config, { sink, keepClient: true });
    const end = vi.spyOn(booted.warmClient as pg.Client, 'end');

    const failed = withWarmClient(booted, async (client) => {
      await client.query('select 1');
      throw new Error('the borrower failed');
    });

    await expect(failed).rejects.toThrow('the borrower failed');
    expect(end).toHaveBeenCalledTimes(1);
    await expectBackends(0);
  });

  it('lends it once: a second borrow opens a connection of its own and ends that too', async () => {
    const booted = await bootDatabase(config, { sink, keepClient: true });
    const kept = booted.warmClient;
    await withWarmClient(booted, async () => {});
    const end = vi.spyOn(kept as pg.Client, 'end');

    await expect(
      withWarmClient(booted, async (client) => {
        expect(client).not.toBe(kept);
        expect(await devupBackends()).toBe(1);
        throw new Error('second borrower failed');
      }),
    ).rejects.toThrow('second borrower failed');

    expect(end).not.toHaveBeenCalled();
    await expectBackends(0);
  });

  it('after a boot that kept none, the borrow opens one and ends it', async () => {
    const booted = await bootDatabase(config, { sink });
    expect(booted.warmClient).toBeUndefined();
    await expectBackends(0);

    const seen = await withWarmClient(booted, async () => devupBackends());

    expect(seen).toBe(1);
    await expectBackends(0);
  });
});

describe('prepareDatabase borrows the warm connection', () => {
  it('leaves no connection behind when the migration step applied something', async () => {
    const lines: string[] = [];
    const prepared = await prepareDatabase(commandContext(config, lines), config, {});
    expect(prepared.migrations.outcomes.map((o) => o.applied)).toEqual([['0001_accounts']]);
    await expectBackends(0);
  });

  it('leaves no connection behind when the migration step throws', async () => {
    const failed = prepareDatabase(commandContext(config), config, { services: ['no-such-service'] });
    await expect(failed).rejects.toThrow('--service no-such-service: no such service');
    await expectBackends(0);
  });
});
