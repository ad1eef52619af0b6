import { spawn } from 'node:child_process';
import path from 'node:path';
import type pg from 'pg';
import { afterEach, expect, it, vi } from 'vitest';
import { type ConnectionInfo, connect, connectionUrl } from '../../../src/database/connection/connection.js';
import { applyTarget } from '../../../src/migrations/sql/apply.js';
import { readHistory } from '../../../src/migrations/sql/history.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { withTestDatabase } from '../helpers/database.js';
import { sqlTarget } from '../helpers/sql-target.js';

let db: ConnectionInfo & { drop(): Promise<void> };
let admin: pg.Client;
let ws: Workspace;
const fixture = path.resolve(import.meta.dirname, '../../fixtures/apply-target.mjs');

withTestDatabase((created, connection) => {
  db = created;
  admin = connection;
});
afterEach(() => ws?.cleanup());

// Each migration bumps a counter: applying one twice would show as a count above 1.
function counterMigrations(count: number): Record<string, string> {
  const files: Record<string, string> = {
    'm/0001_counter.sql': 'create table applied (version int primary key, n int not null default 1);',
  };
  for (let i = 2; i <= count; i++) {
    files[`m/${String(i).padStart(4, '0')}_step.sql`] =
      `insert into applied values (${i}) on conflict (version) do update set n = applied.n + 1;\nselect pg_sleep(0.01);`;
  }
  return files;
}

for (const runners of [2, 8]) {
  it(`${runners} concurrent runners apply each migration exactly once`, async () => {
    ws = createWorkspace(counterMigrations(12));
    const schema = `conc_${runners}`;
    const clients = await Promise.all(Array.from({ length: runners }, () => connect(db)));
    try {
      const target = () => sqlTarget(`${ws.dir}/m`, schema);
      const results = await Promise.all(clients.map((c) => applyTarget(c, target())));
      const total = results.reduce((n, r) => n + r.applied.length, 0);
      expect(total).toBe(12);
      const { rows } = await admin.query(`select max(n) as most from ${schema}.applied`);
      expect(rows[0]?.most).toBe(1);
      expect((await readHistory(admin, schema)).every((h) => h.success)).toBe(true);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });
}

function run(args: string[]): { done: Promise<{ code: number | null; out: string }>; pid: number } {
  const child = spawn(process.execPath, [fixture, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return { done: new Promise((resolve) => child.on('exit', (code) => resolve({ code, out }))), pid: child.pid ?? 0 };
}

it('kill -9 during a migration: the next run is clean, with no partial state and no stuck lock', async () => {
  ws = createWorkspace({
    'm/0001_base.sql': 'create table base (id int);',
    'm/0002_slow.sql': 'create table half (id int);\nselect pg_sleep(20);\ncreate table other (id int);',
  });
  const url = connectionUrl(db);
  const first = run([url, `${ws.dir}/m`, 'killed']);
  // Wait until the slow migration is running on the server, then kill the runner outright.
  await vi.waitFor(
    async () => {
      const { rowCount } = await admin.query(
        "select 1 from pg_stat_activity where query like '%pg_sleep(20)%' and pid <> pg_backend_pid()",
      );
      expect(rowCount).toBe(1);
    },
    { timeout: 30_000, interval: 25 },
  );
  process.kill(first.pid, 'SIGKILL');
  await first.done;
  // Not edited: the re-run must apply 0002 from scratch once the server has rolled it back.
  ws.write('m/0002_slow.sql', 'create table half (id int);\nselect pg_sleep(0);\ncreate table other (id int);');
  const history = await readHistory(admin, 'killed');
  expect(history.map((h) => h.name)).toEqual(['0001_base']);
  const second = run([url, `${ws.dir}/m`, 'killed']);
  const { code, out } = await second.done;
  expect(code).toBe(0);
  expect(out).toContain('"applied":["0002_slow"]');
  const { rows } = await admin.query(
    "select count(*)::int as n from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())",
  );
  expect(rows[0]?.n).toBe(0);
}, 60_000);

it('a second runner waits for a no-transaction migration in progress instead of calling it interrupted', async () => {
  ws = createWorkspace({
    'm/0001_t.sql': 'create table t (id int);',
    // Blocks on a lock the test holds, so A is inside this migration for as long as the test needs.
    'm/0002_slow.sql': `-- devup:no-transaction\nselect pg_advisory_lock(${GATE});\nselect pg_advisory_unlock(${GATE});\ncreate index concurrently t_id on t (id);\n`,
  });
  const [a, b, gate] = [await connect(db), await connect(db), await connect(db)];
  await gate.query(`select pg_advisory_lock(${GATE})`);
  try {
    const target = () => sqlTarget(`${ws.dir}/m`, 'notx_conc');
    const first = applyTarget(a, target());
    first.catch(() => {});
    // A holds the schema lock and has written its "did not finish" row once it waits for the gate.
    await untilGateWaited(gate);
    const waits: number[] = [];
    const second = applyTarget(b, target(), {
      onEvent: (e) => e.type === 'lock-wait' && waits.push(e.holder?.pid ?? 0),
    });
    second.catch(() => {});
    await vi.waitFor(() => expect(waits.length).toBe(1), { timeout: 30_000, interval: 20 });
    await gate.query(`select pg_advisory_unlock(${GATE})`);
    const [ra, rb] = await Promise.all([first, second]);
    expect(ra.applied.length + rb.applied.length).toBe(2);
    expect(waits.length).toBe(1);
    expect((await readHistory(admin, 'notx_conc')).every((h) => h.success)).toBe(true);
  } finally {
    await gate.end();
    await a.end();
    await b.end();
  }
});

/** A one-key advisory lock (devup's own are two-key), held by the test to pause a migration. */
const GATE = 4_242_424_242;

async function untilGateWaited(gate: pg.Client): Promise<void> {
  await vi.waitFor(
    async () => {
      const { rows } = await gate.query<{ n: number }>(
        `select count(*)::int as n from pg_locks
          where locktype = 'advisory' and not granted and objsubid = 1
            and ((classid::bigint << 32) | objid::bigint) = $1`,
        [GATE],
      );
      expect(rows[0]?.n).toBe(1);
    },
    { timeout: 30_000, interval: 25 },
  );
}
