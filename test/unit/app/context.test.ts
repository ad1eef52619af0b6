import { afterEach, expect, it } from 'vitest';
import { createContext } from '../../../src/app/context.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';

let ws: Workspace;
const saved = process.env.DEVUP_STATE_HOME;
afterEach(() => {
  ws?.cleanup();
  if (saved === undefined) delete process.env.DEVUP_STATE_HOME;
  else process.env.DEVUP_STATE_HOME = saved;
});

it('without a writable place for the list of checkouts (a deploy image), the configured ports are kept', async () => {
  ws = createWorkspace({
    'devup.config.json': JSON.stringify({ database: { port: 54999 }, services: { api: { port: 4999 } } }),
    'a-file': '',
  });
  // Uncreatable even for root, as the list's home is in a container running with HOME=/ on a
  // read-only filesystem.
  process.env.DEVUP_STATE_HOME = `${ws.dir}/a-file/state`;
  const ctx = createContext({ config: `${ws.dir}/devup.config.json`, json: true });
  const config = await ctx.loadConfig();
  expect(config.database.port).toBe(54999);
  expect(config.services[0]?.port).toBe(4999);
});
