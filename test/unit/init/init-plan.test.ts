import { afterEach, expect, it } from 'vitest';
import { defaultPort, envVariablesRead } from '../../../src/init/detect-services.js';
import { planInit } from '../../../src/init/init-plan.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

function nodeRepo(): Workspace {
  return createWorkspace({
    'package.json': `${JSON.stringify({ name: 'shop', scripts: { dev: 'turbo dev', test: 'vitest' } }, null, 2)}\n`,
    '.gitignore': 'node_modules\n.devup\n',
    'docker-compose.yml':
      'services:\n  db:\n    image: postgres:16\n    ports: ["5433:5432"]\n  cache:\n    image: redis:7\n',
    '.env.example': 'DATABASE_URL=postgres://localhost/shop\nSTRIPE_KEY=\n',
    'services/api/package.json': JSON.stringify({ scripts: { start: 'node server.js' } }),
    'services/api/server.js': "const port = process.env.PORT ?? 4100;\nif (url === '/health') ok();\n",
    'services/api/db/migrations/0001_create_orders.sql': 'create table orders (id int);\n',
    'services/api/node_modules/dep/migrations/0001_x.sql': 'select 1;\n',
  });
}

it('plans a config from the migrations, the start script, the port and health route, and the compose file’s image', () => {
  ws = nodeRepo();
  const plan = planInit(ws.dir);
  const config = plan.files.find((f) => f.file === 'devup.config.mjs');
  expect(config?.action).toBe('create');
  expect(config?.content).toContain("database: {\n    image: 'postgres:16',\n  },");
  expect(config?.content).toContain(
    [
      '    api: {',
      "      cwd: 'services/api',",
      "      command: 'npm start',",
      '      port: 4100,',
      '      ready: {',
      "        http: '/health',",
      '      },',
      '      migrations: {',
      "        dir: 'db/migrations',",
      '      },',
      '    },',
    ].join('\n'),
  );
  // Only one service: node_modules is not looked into, db/ is api's own.
  expect(config?.summary).toBe('1 service: api');
  expect(plan.found).toContain('Postgres: postgres:16 in docker-compose.yml (service "db")');
  expect(plan.notes.some((n) => n.includes('devup sets DATABASE_URL for each service'))).toBe(true);
});

it('adds npm scripts under free names and only the .gitignore lines that are missing', () => {
  ws = nodeRepo();
  const plan = planInit(ws.dir);
  const pkg = plan.files.find((f) => f.file === 'package.json');
  expect(JSON.parse(pkg?.content ?? '{}').scripts).toEqual({
    dev: 'turbo dev',
    test: 'vitest',
    'devup:dev': 'devup dev',
    migrate: 'devup migrate',
    'dev:logs': 'devup logs -f',
  });
  const gitignore = plan.files.find((f) => f.file === '.gitignore');
  expect(gitignore?.content).toBe("node_modules\n.devup\n# devup's local state and settings\n.env\n");
});

it('never overwrites a config, and says what it looks for when it finds nothing', () => {
  ws = createWorkspace({ 'devup.config.json': '{}' });
  expect(() => planInit(ws.dir)).toThrow('devup.config.json already exists: devup init never overwrites a config');
  ws.cleanup();
  ws = createWorkspace({ 'README.md': '# nothing here\n' });
  expect(() => planInit(ws.dir)).toThrow(/devup init found no service in/);
});

it('reads the variables env.py takes and the port a service falls back to', () => {
  const envPy =
    'url = os.environ["SQLALCHEMY_DATABASE_URL"]\nschema = os.environ.get("ALEMBIC_SCHEMA", "public")\nos.getenv("X")';
  expect(envVariablesRead(envPy)).toEqual(['SQLALCHEMY_DATABASE_URL', 'ALEMBIC_SCHEMA', 'X']);
  expect(defaultPort('port = int(os.environ.get("PORT", "8030"))')).toBe(8030);
  expect(defaultPort('const port = Number(process.env.PORT || 3000);')).toBe(3000);
  expect(defaultPort('listen(port)')).toBeUndefined();
});
