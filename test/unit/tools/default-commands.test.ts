import { afterEach, expect, it } from 'vitest';
import { toolAdapter } from '../../../src/migrations/tools/tool-adapters.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

const context = (cwd: string, root = cwd) => ({ schema: 'svc_acme', migrationsDir: `${cwd}/migrations`, cwd, root });

it('runs each tool the way its docs say to apply everything', () => {
  expect(toolAdapter('alembic').defaultCommand(context('/s'))).toEqual(['alembic', 'upgrade', 'head']);
  expect(toolAdapter('prisma').defaultCommand(context('/s'))).toEqual(['prisma', 'migrate', 'deploy']);
  expect(toolAdapter('flyway').defaultCommand(context('/s'))).toEqual(['flyway', 'migrate']);
  expect(toolAdapter('liquibase').defaultCommand(context('/s'))).toEqual(['liquibase', 'update']);
  expect(toolAdapter('command').defaultCommand(context('/s'))).toEqual([]);
});

it('gives node-pg-migrate the schema and the directory devup reads', () => {
  expect(toolAdapter('node-pg-migrate').defaultCommand(context('/s'))).toEqual([
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
  expect(toolAdapter('dbmate').defaultCommand(context(cwd, ws.dir))).toEqual(['dbmate', '--no-dump-schema', 'up']);
  const binary = ws.write(`node_modules/@dbmate/${process.platform}-${process.arch}/bin/dbmate`, '');
  expect(toolAdapter('dbmate').defaultCommand(context(cwd, ws.dir))).toEqual([binary, '--no-dump-schema', 'up']);
});
