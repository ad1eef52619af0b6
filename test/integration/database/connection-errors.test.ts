import { readFileSync, writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { connect, withClient } from '../../../src/database/connection/connection.js';
import { UserError } from '../../../src/errors.js';
import { testServer } from '../helpers/database.js';

it('a pg_hba.conf rejection is not reported as wrong credentials', async () => {
  const server = testServer();
  const role = `devup_hba_${Math.random().toString(36).slice(2, 8)}`;
  const admin = await connect({ ...server, database: 'postgres' });
  const { rows } = await admin.query<{ hba_file: string }>('show hba_file');
  const hbaFile = rows[0]?.hba_file ?? '';
  const original = readFileSync(hbaFile, 'utf8');
  try {
    await admin.query(`create role ${role} login password 'right-password'`);
    // First match wins: this line concerns the new role only, so other tests are untouched.
    writeFileSync(hbaFile, `host all ${role} all reject\n${original}`);
    await admin.query('select pg_reload_conf()');
    const error = await withClient({ ...server, user: role, password: 'right-password' }, async () => {}).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    // The server says the same for "TLS only" and "not this user": both ways out are named.
    expect((error as UserError).message).toMatch(
      /turned this plaintext connection away \(pg_hba\.conf\): .*user "devup_hba_\w+"/,
    );
    expect((error as UserError).hint).toMatch(/pg_hba\.conf has no line letting this host, user and database in/);
    expect((error as UserError).hint).not.toMatch(/database\.password/);
  } finally {
    writeFileSync(hbaFile, original);
    await admin.query('select pg_reload_conf()');
    await admin.query(`drop role if exists ${role}`);
    await admin.end();
  }
});
