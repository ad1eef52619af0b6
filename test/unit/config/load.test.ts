import { chmodSync, existsSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { findConfigFile, loadConfigFile } from '../../../src/config/load.js';
import { UserError } from '../../../src/errors.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

it('finds the config by walking up from the working directory', () => {
  ws = createWorkspace({ 'devup.config.mjs': 'export default { services: {} }', 'a/b/c/.keep': '' });
  expect(findConfigFile(`${ws.dir}/a/b/c`)).toBe(`${ws.dir}/devup.config.mjs`);
});

it('loads a TypeScript config, with .env loaded first and copied from .env.example on day one', async () => {
  ws = createWorkspace({
    'devup.config.ts': `
      interface Shape { services: Record<string, { port?: number }> }
      const config: Shape = { services: { api: { port: Number(process.env.DEVUP_T_PORT) } } };
      export default config;
    `,
    '.env.example': 'DEVUP_T_PORT=4100\n',
  });
  const notices: string[] = [];
  const config = await loadConfigFile({ cwd: ws.dir, notice: (m) => notices.push(m) });
  expect(config.services[0]?.port).toBe(4100);
  expect(notices).toEqual(['Created .env from .env.example (edit it to change local settings).']);
  expect(readFileSync(`${ws.dir}/.env`, 'utf8')).toBe('DEVUP_T_PORT=4100\n');
});

it('real environment variables win over .env', async () => {
  ws = createWorkspace({
    'devup.config.mjs': 'export default { services: { api: { port: Number(process.env.DEVUP_T_PORT2) } } }',
    '.env': 'DEVUP_T_PORT2=4100\n',
  });
  process.env.DEVUP_T_PORT2 = '4200';
  try {
    const config = await loadConfigFile({ cwd: ws.dir });
    expect(config.services[0]?.port).toBe(4200);
  } finally {
    delete process.env.DEVUP_T_PORT2;
  }
});

it('reports every problem of the file in one error, with the file name, and no stack for the user', async () => {
  ws = createWorkspace({
    'devup.config.json': JSON.stringify({
      services: { api: { cwd: 'nowhere', comand: 'x' } },
      requiredEnv: ['A', 'B'],
    }),
  });
  const error = (await loadConfigFile({ cwd: ws.dir, env: {} }).catch((e: unknown) => e)) as UserError;
  expect(error).toBeInstanceOf(UserError);
  expect(error.message).toBe('devup.config.json has 3 problems:');
  expect(error.details).toEqual([
    expect.stringMatching(/^ {2}services\.api\.comand: unknown key \(did you mean "command"\?\)/),
    '  services.api.cwd: no such directory: nowhere',
    '  requiredEnv: missing environment variables: A, B (set them in .env next to the config)',
  ]);
  expect(error.hint).toMatch(/docs\/config\.md lists every key/);
});

it('says where a config that does not evaluate fails, and how to see more', async () => {
  ws = createWorkspace({ 'devup.config.mjs': 'export default { services: undefinedThing };' });
  const error = (await loadConfigFile({ cwd: ws.dir, env: {} }).catch((e: unknown) => e)) as UserError;
  expect(error.message).toMatch(/could not evaluate devup\.config\.mjs: undefinedThing is not defined/);
  expect(error.hint).toMatch(/--verbose/);
});

it("a config importing from 'devup' (another project's npm name) is told the package is devup-env", async () => {
  for (const file of ['devup.config.mjs', 'devup.config.ts']) {
    ws = createWorkspace({
      [file]: "import { defineConfig } from 'devup';\nexport default defineConfig({ services: {} });\n",
    });
    const error = (await loadConfigFile({ cwd: ws.dir, env: {} }).catch((e: unknown) => e)) as UserError;
    expect(error, file).toBeInstanceOf(UserError);
    expect(error.message, file).toBe(
      `${file} imports 'devup': devup's package is devup-env ('devup' on npm is another project)`,
    );
    expect(error.hint).toBe(
      "Write import { defineConfig } from 'devup-env' (npm install --save-dev devup-env); the command stays devup.",
    );
    ws.cleanup();
  }
});

it('names a broken JSON config', async () => {
  ws = createWorkspace({ 'devup.config.json': '{ "services": { ' });
  await expect(loadConfigFile({ cwd: ws.dir, env: {} })).rejects.toThrow(/devup\.config\.json is not valid JSON/);
});

it('validates in full again when the config changes, so a cached success never hides a new mistake', async () => {
  ws = createWorkspace({ 'devup.config.json': JSON.stringify({ services: { api: {} } }) });
  await loadConfigFile({ cwd: ws.dir, env: {} });
  expect(existsSync(`${ws.dir}/.devup/config-ok`)).toBe(true);
  ws.write('devup.config.json', JSON.stringify({ services: { api: { prot: 1 } } }));
  await expect(loadConfigFile({ cwd: ws.dir, env: {} })).rejects.toThrow(/1 problem/);
});

it('remembers several validated configs: two in one directory do not throw each other out', async () => {
  ws = createWorkspace({
    'a.devup.config.json': JSON.stringify({ services: { api: {} } }),
    'b.devup.config.json': JSON.stringify({ services: { web: {} } }),
  });
  const remembered = () => readFileSync(`${ws.dir}/.devup/config-ok`, 'utf8').split('\n').filter(Boolean);
  await loadConfigFile({ cwd: ws.dir, configPath: 'a.devup.config.json', env: {} });
  await loadConfigFile({ cwd: ws.dir, configPath: 'b.devup.config.json', env: {} });
  const both = remembered();
  expect(both).toHaveLength(2);
  // a is still remembered: loading it again validates nothing and writes nothing.
  await loadConfigFile({ cwd: ws.dir, configPath: 'a.devup.config.json', env: {} });
  expect(remembered()).toEqual(both);
});

it('creates .env from .env.example readable by its owner only, whatever the example allows', async () => {
  ws = createWorkspace({ 'devup.config.mjs': 'export default { services: { api: {} } }', '.env.example': 'A=1\n' });
  chmodSync(`${ws.dir}/.env.example`, 0o644);
  await loadConfigFile({ cwd: ws.dir });
  expect(statSync(`${ws.dir}/.env`).mode & 0o777).toBe(0o600);
});

it('a .env that appears while it is being copied (another devup, a race) is no error', async () => {
  ws = createWorkspace({ 'devup.config.mjs': 'export default { services: { api: {} } }', '.env.example': 'A=1\n' });
  // Invisible to existsSync, refused by the exclusive create: what losing the race looks like.
  symlinkSync(`${ws.dir}/elsewhere`, `${ws.dir}/.env`);
  await expect(loadConfigFile({ cwd: ws.dir })).resolves.toMatchObject({ project: expect.any(String) });
});

it('a config whose getter throws while it is read is a user error naming the file', async () => {
  ws = createWorkspace({
    'devup.config.mjs': `export default { services: { api: { get port() { throw new Error('PORT is not set'); } } } }`,
  });
  const error = await loadConfigFile({ cwd: ws.dir }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UserError);
  expect((error as UserError).message).toBe('devup.config.mjs threw while devup read it: PORT is not set');
  expect((error as UserError).hint).toMatch(/getter or Proxy/);
});

it('a config Proxy that throws on every key is a user error too', async () => {
  ws = createWorkspace({
    'devup.config.mjs': `export default new Proxy({}, { get() { throw new Error('no such setting'); }, ownKeys() { throw new Error('no keys'); } })`,
  });
  const error = await loadConfigFile({ cwd: ws.dir }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UserError);
  expect((error as UserError).message).toMatch(/^devup.config.mjs (threw while devup read it|could not)/);
});

it('a config in a directory whose name holds a backslash is told to rename it or use JSON; the JSON config loads', async () => {
  ws = createWorkspace({
    'back\\slash/devup.config.mjs': 'export default { services: { api: { command: "true" } } }',
    'json\\dir/devup.config.json': '{ "services": { "api": { "command": "true" } } }',
  });
  await expect(loadConfigFile({ cwd: `${ws.dir}/back\\slash` })).rejects.toThrow(
    expect.objectContaining({
      message: 'cannot load devup.config.mjs: Node imports no module from a path with a backslash',
      hint: expect.stringContaining('or write the config as devup.config.json'),
    }),
  );
  const config = await loadConfigFile({ cwd: `${ws.dir}/json\\dir` });
  expect(config.services.map((s) => s.name)).toEqual(['api']);
});
