import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findPortHolder, listeningProcess } from '../../../src/checkouts/port-holder.js';
import { updateRegistry } from '../../../src/checkouts/registry.js';

let dir: string;
let server: net.Server;
let port: number;
beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'devup-holder-'));
  server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe.runIf(process.platform === 'linux')('who holds a port', () => {
  it('finds the process listening on it', () => {
    expect(listeningProcess(port)).toMatchObject({ pid: process.pid, command: expect.stringMatching(/node/) });
  });

  it("names another checkout's service and its running devup dev, and skips this checkout's own entry", async () => {
    const env = { DEVUP_STATE_HOME: path.join(dir, 'state') };
    const other = path.join(dir, 'review');
    const stateDir = path.join(other, '.devup');
    await updateRegistry(env.DEVUP_STATE_HOME, (registry) => {
      registry.checkouts[other] = {
        project: 'shop',
        configPath: path.join(other, 'devup.config.mjs'),
        stateDir,
        first: false,
        ports: { database: 1, services: { auth: port } },
        dockerName: 'shop-abcdef',
        dataDir: path.join(stateDir, 'postgres'),
      };
    });
    // The test process stands in for that checkout's `devup dev`.
    mkdirSync(stateDir, { recursive: true });
    writeFileSync(path.join(stateDir, 'dev-session.json'), JSON.stringify({ pid: process.pid }));
    expect(findPortHolder(port, undefined, env)).toEqual({
      what: `service "auth" of the devup environment of shop in ${other}`,
      stop: `stop its \`devup dev\` (Ctrl-C in its terminal, or \`kill ${process.pid}\`)`,
    });
    const self = findPortHolder(port, (root) => root === other, env);
    expect(self?.what).toMatch(new RegExp(`^node .*\\(pid ${process.pid}\\)$`));
  });
});
