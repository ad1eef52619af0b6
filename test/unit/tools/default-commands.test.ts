import { afterEach, expect, it } from 'vitest';
import { toolAdapter } from '../../../src/migrations/tools/adapters.js';
import { defaultToolCommand } from '../../../src/migrations/tools/tool-adapter.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

const context = (cwd: string, root = cwd, contexts = ['dev']) => ({
  schema: 'svc_acme',
  migrationsDir: `${cwd}/migrations`,
  cwd,
  root,
  contexts,
});

it('runs each tool the way its docs say to apply everything', () => {
  expect(defaultToolCommand(toolAdapter('alembic'), context('/s'))).toEqual(['alembic', 'upgrade', 'head']);
  expect(defaultToolCommand(toolAdapter('prisma'), context('/s'))).toEqual(['prisma', 'migrate', 'deploy']);
  expect(defaultToolCommand(toolAdapter('flyway'), context('/s'))).toEqual(['flyway', 'migrate']);
  expect(defaultToolCommand(toolAdapter('liquibase'), context('/s'))).toEqual([
    'liquibase',
    'update',
    '--contexts=dev',
  ]);
  expect(defaultToolCommand(toolAdapter('command'), context('/s'))).toEqual([]);
});

it("passes the run's contexts to Liquibase as --contexts, so its changesets' own contexts decide", () => {
  expect(defaultToolCommand(toolAdapter('liquibase'), context('/s', '/s', ['production', 'eu']))).toEqual([
    'liquibase',
    'update',
    '--contexts=production,eu',
  ]);
});

it('gives node-pg-migrate the schema and the directory devup reads', () => {
  expect(defaultToolCommand(toolAdapter('node-pg-migrate'), context('/s'))).toEqual([
    'node-pg-migrate',
    'up',
    '--schema',
    'svc_acme',
    '--create-schema',
    '-m',
    '/s/migrations',
  ]);
});

it("calls dbmate's Go binary directly when npm installed it, in the service or the project", () => {
  ws = createWorkspace({ 'svc/package.json': '{}' });
  const cwd = `${ws.dir}/svc`;
  expect(defaultToolCommand(toolAdapter('dbmate'), context(cwd, ws.dir))).toEqual(['dbmate', '--no-dump-schema', 'up']);
  const binary = ws.write(`node_modules/@dbmate/${process.platform}-${process.arch}/bin/dbmate`, '');
  expect(defaultToolCommand(toolAdapter('dbmate'), context(cwd, ws.dir))).toEqual([binary, '--no-dump-schema', 'up']);
});
