import { afterEach, expect, it } from 'vitest';
import { buildFingerprint, describeFingerprintChange } from '../../../src/copies/build-fingerprint.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

const raw = (tenants: string[]) => ({
  project: 'fp',
  database: { engine: 'embedded', password: 'x' },
  services: {
    app: { cwd: 'app', migrations: { dir: 'migrations', tenants }, seed: 'seeds/*.sql' },
    diesel: { cwd: 'diesel', migrations: { dir: 'migrations' } },
  },
});

it('changes with the migration files, the seed files and the config, and names which', () => {
  ws = createWorkspace({
    'app/migrations/0001_a.sql': 'create table a (id int);',
    'app/seeds/01.sql': 'insert into a values (1);',
    'app/notes.txt': 'not part of anything',
    'diesel/migrations/2024-01-01-000000_b/up.sql': 'create table b (id int);',
  });
  const config = ws.config(raw(['default']));
  const first = buildFingerprint(config);
  expect(buildFingerprint(config)).toEqual(first);

  ws.write('app/notes.txt', 'edited, still not part of anything');
  expect(describeFingerprintChange(first, buildFingerprint(config))).toEqual([]);

  ws.write('app/migrations/0002_c.sql', 'create table c (id int);');
  const second = buildFingerprint(config);
  expect(describeFingerprintChange(first, second)).toEqual(['the migrations of app']);

  ws.write('app/seeds/01.sql', 'insert into a values (2);');
  ws.write('diesel/migrations/2024-01-01-000000_b/up.sql', 'create table b (id bigint);');
  expect(describeFingerprintChange(second, buildFingerprint(config))).toEqual([
    'the seeds of app',
    'the migrations of diesel',
  ]);

  const moreTenants = ws.config(raw(['default', 'acme']));
  expect(describeFingerprintChange(buildFingerprint(config), buildFingerprint(moreTenants))).toEqual(['the config']);
});

it('changes with database.extensions and the contents of database.init', () => {
  ws = createWorkspace({ 'app/migrations/0001_a.sql': 'select 1;', 'db/init.sql': 'create role app_reader;' });
  const withSetup = (extensions: string[]) =>
    ws.config({
      project: 'fp',
      database: { engine: 'embedded', password: 'x', extensions, init: 'db/init.sql' },
      services: { app: { cwd: 'app', migrations: { dir: 'migrations' } } },
    });
  const first = buildFingerprint(withSetup(['uuid-ossp']));
  ws.write('db/init.sql', 'create role app_writer;');
  expect(describeFingerprintChange(first, buildFingerprint(withSetup(['uuid-ossp'])))).toEqual([
    'database.extensions or database.init',
  ]);
  expect(describeFingerprintChange(first, buildFingerprint(withSetup(['pgcrypto'])))).toEqual([
    'database.extensions or database.init',
  ]);
});
