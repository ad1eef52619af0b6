import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect } from '../../../src/database/connection/connection.js';
import { createDatabaseUnlessExists } from '../../../src/database/create-database.js';
import { testServer } from '../helpers/database.js';

const suffix = randomBytes(3).toString('hex');
const role = `no_createdb_${suffix}`;
const created: string[] = [];
let admin: pg.Client;

beforeAll(async () => {
  admin = await connect({ ...testServer(), database: 'postgres' });
});
afterAll(async () => {
  for (const name of created) await admin.query(`drop database if exists "${name.replaceAll('"', '""')}" with (force)`);
  await admin.query(`drop role if exists ${role}`);
  await admin.end();
});

async function exists(name: string): Promise<boolean> {
  const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [name]);
  return rowCount === 1;
}

it('creates a missing database, quoting its name, and leaves an existing one alone', async () => {
  const name = `devup "odd" Name ${suffix}`;
  created.push(name);
  expect(await createDatabaseUnlessExists(admin, name)).toBe(true);
  expect(await exists(name)).toBe(true);
  expect(await createDatabaseUnlessExists(admin, name)).toBe(false);
});

it('counts a database another session created at the same time as success', async () => {
  const name = `devup_race_${suffix}`;
  created.push(name);
  const clients = await Promise.all([1, 2, 3, 4].map(() => connect({ ...testServer(), database: 'postgres' })));
  try {
    const results = await Promise.all(clients.map((client) => createDatabaseUnlessExists(client, name)));
    // Each call succeeds; at most one of them is the one that created it.
    expect(results.filter(Boolean).length).toBeLessThanOrEqual(1);
    expect(await exists(name)).toBe(true);
  } finally {
    await Promise.all(clients.map((client) => client.end()));
  }
});

it('passes an existing database for a role that may not create databases, and names the privilege otherwise', async () => {
  const name = `devup_existing_${suffix}`;
  created.push(name);
  await admin.query(`create database ${name}`);
  await admin.query(`create role ${role} login password 'pw' nocreatedb`);
  const limited = await connect({ ...testServer(), database: 'postgres', user: role, password: 'pw' });
  try {
    expect(await createDatabaseUnlessExists(limited, name)).toBe(false);
    await expect(createDatabaseUnlessExists(limited, `devup_refused_${suffix}`)).rejects.toMatchObject({
      code: '42501',
    });
  } finally {
    await limited.end();
  }
});
