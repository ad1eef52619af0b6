import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shortHash } from '../../src/checkouts/checkout-ports.js';
import { freePort } from '../helpers/ports.js';
import { dockerClient, REDIS_TEST_IMAGE, redisImageStatus } from '../integration/helpers/docker.js';
import { browserSkip, launchChromium } from './dashboard-browser.js';
import { ROOT, type RunningCli, runCli, startCli } from './demo-helpers.js';

const status = await redisImageStatus();

// A service that opens its Redis connection at start-up and dies without it, as real ones do.
const SERVICE = `
const net = require('node:net');
const http = require('node:http');
const url = new URL(process.env.REDIS_URL);
const socket = net.connect(Number(url.port), url.hostname, () => socket.write('PING\\r\\n'));
socket.once('data', (data) => {
  console.log('redis said ' + data.toString().trim());
  http.createServer((_, res) => res.end('ok')).listen(Number(process.env.PORT), '127.0.0.1');
});
socket.on('error', (error) => { console.error('no redis: ' + error.message); process.exit(1); });
`;

function config(project: string): string {
  return `export default {
  project: '${project}',
  ui: process.env.T_UI_PORT ? { port: Number(process.env.T_UI_PORT) } : false,
  database: { engine: 'embedded', port: Number(process.env.T_DB_PORT) },
  infra: { cache: { kind: 'redis', image: '${REDIS_TEST_IMAGE}', ports: { 6379: Number(process.env.T_REDIS_PORT) } } },
  services: {
    api: { command: 'node api.cjs', port: Number(process.env.T_API_PORT), env: { REDIS_URL: '{infra.cache.url}' } },
  },
};
`;
}

describe.skipIf(!status.available)(`infra end to end${status.available ? '' : ` (skipped: ${status.reason})`}`, () => {
  // Inside the repo, as the other e2e tests: embedded Postgres runs as a user that must reach it.
  const base = path.join(ROOT, 'test/e2e/.work', `infra-${randomBytes(4).toString('hex')}`);
  const first = path.join(base, 'first');
  const second = path.join(base, 'second');
  const project = `infrae${randomBytes(3).toString('hex')}`;
  const running: RunningCli[] = [];
  let env: NodeJS.ProcessEnv;
  let redisPort: number;

  beforeAll(async () => {
    mkdirSync(first, { recursive: true });
    writeFileSync(path.join(first, 'devup.config.mjs'), config(project));
    writeFileSync(path.join(first, 'api.cjs'), SERVICE);
    cpSync(first, second, { recursive: true });
    redisPort = await freePort(57600, 300);
    env = {
      ...process.env,
      CI: 'true',
      DEVUP_STATE_HOME: path.join(base, 'state'),
      T_DB_PORT: String(await freePort(57000, 300)),
      T_REDIS_PORT: String(redisPort),
      T_API_PORT: String(await freePort(57300, 300)),
    };
  });

  afterAll(async () => {
    for (const cli of running) if (cli.child.exitCode === null) cli.child.kill('SIGINT');
    await Promise.all(running.map((cli) => cli.exited));
    for (const dir of [first, second]) {
      if (existsSync(dir)) await runCli(['down', '--volumes', '--yes'], { cwd: dir, env });
    }
    rmSync(base, { recursive: true, force: true });
  });

  const dev = (cwd: string) => {
    const cli = startCli(['dev'], { cwd, env });
    running.push(cli);
    return cli;
  };

  it('a service that reads Redis starts after Redis is ready; a killed Redis is reported in one line', async () => {
    const cli = dev(first);
    await cli.waitFor(/Press Ctrl-C to stop/, 120_000);
    const out = cli.output();
    expect(out.indexOf('✔ cache ready:')).toBeGreaterThan(-1);
    expect(out.indexOf('✔ cache ready:')).toBeLessThan(out.indexOf('redis said +PONG'));
    expect(out).toMatch(new RegExp(`\\n  cache +redis://127\\.0\\.0\\.1:${redisPort} +ready in `));

    await dockerClient().getContainer(`${project}-cache`).kill();
    await cli.waitFor(/infra\.cache: container \S+ exited/);
    expect(cli.output().match(/infra\.cache: container/g)).toHaveLength(1);
    expect(cli.output()).toContain(`infra.cache: container ${project}-cache exited (code 137)`);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toContain('Postgres and infra keep running');
  });

  it.skipIf(browserSkip !== undefined)(
    'the dashboard shows the Redis as a resource, exited once killed; status --json lists it in resources',
    async () => {
      const uiPort = await freePort(57900, 90);
      const cli = startCli(['dev'], { cwd: first, env: { ...env, T_UI_PORT: String(uiPort) } });
      running.push(cli);
      await cli.waitFor(/Press Ctrl-C to stop/, 120_000);
      const url = /dashboard +(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(cli.output())?.[1] as string;
      expect(new URL(url).port).toBe(String(uiPort));
      const browser = await launchChromium();
      try {
        const page = await browser.newPage();
        await page.goto(url);
        const row = page.locator('tr[data-resource="cache"][data-state="ready"]');
        await row.waitFor();
        expect(await row.locator('.kind').innerText()).toBe('infra');
        expect(await row.innerText()).toContain(`redis://127.0.0.1:${redisPort}`);
        expect(await row.locator('td.pid').innerText()).toBe(`${project}-cache`);
        expect(await row.innerText()).toContain('runs redis-cli ping');

        // While the dashboard serves, status --json carries the page's own rows.
        const live = JSON.parse((await runCli(['status', '--json'], { cwd: first, env })).output.trim());
        expect(live.resources.find((r: { name: string }) => r.name === 'cache')).toMatchObject({
          kind: 'infra',
          state: 'ready',
          container: `${project}-cache`,
          url: `redis://127.0.0.1:${redisPort}`,
        });

        await dockerClient().getContainer(`${project}-cache`).kill();
        await page.locator('tr[data-resource="cache"][data-state="exited"]').waitFor();
      } finally {
        await browser.close();
      }
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(0);

      // No dashboard now: the rows come from Docker's list.
      const after = JSON.parse((await runCli(['status', '--json'], { cwd: first, env })).output.trim());
      expect(after.resources.map((r: { kind: string; name: string }) => `${r.kind} ${r.name}`)).toEqual([
        'postgres postgres',
        'infra cache',
      ]);
      expect(after.resources[1]).toMatchObject({ state: 'exited', lastExit: expect.stringMatching(/^Exited \(137\)/) });
    },
  );

  it('a second checkout gets a Redis of its own on shifted ports; the first one keeps its own', async () => {
    const again = dev(first);
    await again.waitFor(/Press Ctrl-C to stop/, 120_000);
    expect(again.output()).toMatch(/✔ cache ready: .*started/);
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);

    const cli = dev(second);
    await cli.waitFor(/Press Ctrl-C to stop/, 120_000);
    const moved = `${project}-${shortHash(realpathSync(second))}-cache`;
    expect(cli.output()).toContain(`✔ cache ready: container ${moved}`);
    expect(cli.output()).toMatch(new RegExp(`\\n  cache +redis://127\\.0\\.0\\.1:${redisPort + 100} +ready in `));
    const info = await dockerClient().getContainer(moved).inspect();
    expect(info.HostConfig.PortBindings?.['6379/tcp']?.[0]?.HostPort).toBe(String(redisPort + 100));
    expect((await dockerClient().getContainer(`${project}-cache`).inspect()).State.Running).toBe(true);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);

    const status = await runCli(['status', '--json'], { cwd: second, env });
    const infra = JSON.parse(status.output.trim().split('\n').at(-1) ?? '{}').infra;
    expect(infra).toEqual([
      expect.objectContaining({
        name: 'cache',
        kind: 'redis',
        state: 'running',
        url: `redis://127.0.0.1:${redisPort + 100}`,
      }),
    ]);
    const ls = await runCli(['ls'], { cwd: base, env });
    expect(ls.output.match(/● infra: cache running/g)).toHaveLength(2);
  });

  it('down --volumes removes exactly this checkout’s containers and volumes', async () => {
    const docker = dockerClient();
    await docker.createVolume({ Name: `${project}-cache-data-mine` });
    const { code, output } = await runCli(['down', '--volumes', '--yes'], { cwd: first, env });
    expect(code, output).toBe(0);
    expect(output).toContain(`container ${project}-cache (infra.cache)`);
    expect(output).toContain(`volume ${project}-cache-data (infra.cache)`);
    const names = (await docker.listContainers({ all: true })).map((c) => c.Names[0]);
    expect(names).not.toContain(`/${project}-cache`);
    expect(names).toContain(`/${project}-${shortHash(realpathSync(second))}-cache`);
    const volumes = ((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name);
    expect(volumes).not.toContain(`${project}-cache-data`);
    expect(volumes).toContain(`${project}-${shortHash(realpathSync(second))}-cache-data`);
    expect(volumes).toContain(`${project}-cache-data-mine`);
    await docker.getVolume(`${project}-cache-data-mine`).remove();
  });

  it('down --volumes also removes the infra of an entry taken out of the config', async () => {
    const cli = dev(first);
    await cli.waitFor(/Press Ctrl-C to stop/, 120_000);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    writeFileSync(
      path.join(first, 'devup.config.mjs'),
      config(project)
        .replace(/ {2}infra: \{.*\n/, '')
        .replace("env: { REDIS_URL: '{infra.cache.url}' }", 'env: {}'),
    );
    const { code, output } = await runCli(['down', '--volumes', '--yes'], { cwd: first, env });
    expect(code, output).toBe(0);
    expect(output).toContain(`container ${project}-cache (infra.cache)`);
    expect((await dockerClient().listContainers({ all: true })).map((c) => c.Names[0])).not.toContain(
      `/${project}-cache`,
    );
    writeFileSync(path.join(first, 'devup.config.mjs'), config(project));
  });

  it('prune removes the infra a deleted checkout left behind', async () => {
    const moved = `${project}-${shortHash(realpathSync(second))}`;
    rmSync(second, { recursive: true, force: true });
    const { code, output } = await runCli(['prune', '--yes'], { cwd: base, env });
    expect(code, output).toBe(0);
    expect(output).toContain(`container ${moved}-cache (infra.cache)`);
    const docker = dockerClient();
    expect((await docker.listContainers({ all: true })).map((c) => c.Names[0])).not.toContain(`/${moved}-cache`);
    expect(((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name)).not.toContain(`${moved}-cache-data`);
  });
});
