/// <reference lib="dom" />
// The page functions run inside Chromium: they see its document.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClient } from '../../src/database/connection/connection.js';
import { freePort } from '../helpers/ports.js';
import { browserSkip, launchChromium, pidOf, rawRequest } from './dashboard-browser.js';
import { copyDemo, ROOT, type RunningCli, runCli, startCli } from './demo-helpers.js';

const IMAGES = path.join(ROOT, 'docs/images');
const DASHBOARD_URL = /dashboard +(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/;

describe.skipIf(browserSkip !== undefined)(
  `the dashboard in a real browser${browserSkip ? ` (skipped: ${browserSkip})` : ''}`,
  () => {
    let demo: Awaited<ReturnType<typeof copyDemo>>;
    let browser: Browser;
    let page: Page;
    let cli: RunningCli;
    let url: string;
    let uiPort: number;
    const args = (...rest: string[]) => [...rest, '--engine', 'embedded', '--config', `${demo.dir}/devup.config.mjs`];
    const origin = () => new URL(url).origin;
    const token = () => new URL(url).searchParams.get('token') as string;
    const query = (sql: string) =>
      withClient(
        {
          host: '127.0.0.1',
          port: Number(demo.env.DEMO_DB_PORT),
          user: 'devup',
          password: readFileSync(`${demo.dir}/.devup/password`, 'utf8').trim(),
          database: String(demo.env.DEMO_PROJECT).replace(/[^a-z0-9_]/g, '_'),
        },
        (c) => c.query(sql),
      );

    async function startDev(...flags: string[]): Promise<void> {
      cli = startCli(args('dev', ...flags), { cwd: demo.dir, env: demo.env });
      await cli.waitFor(DASHBOARD_URL, 120_000);
      url = DASHBOARD_URL.exec(cli.output())?.[1] as string;
    }
    async function stopDev(): Promise<void> {
      cli.child.kill('SIGINT');
      expect(await cli.exited, cli.output()).toBe(0);
    }

    beforeAll(async () => {
      demo = await copyDemo();
      uiPort = await freePort(49000);
      // The page applies new migrations, so devup must not apply them on its own as they are saved.
      const config = path.join(demo.dir, 'devup.config.mjs');
      writeFileSync(
        config,
        readFileSync(config, 'utf8').replace('services: {', `watch: false,\n  ui: { port: ${uiPort} },\n  services: {`),
      );
      browser = await launchChromium();
      await startDev('--ui');
      page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    });

    afterAll(async () => {
      await browser?.close();
      if (cli && cli.child.exitCode === null) {
        cli.child.kill('SIGINT');
        await cli.exited;
      }
      await runCli(args('down', '--volumes', '--yes'), { cwd: demo.dir, env: demo.env });
      demo.cleanup();
    });

    it('prints its URL in the ready table, on the configured port, and `devup ui` prints it again', async () => {
      expect(new URL(url).port).toBe(String(uiPort));
      const { code, output } = await runCli(args('ui'), { cwd: demo.dir, env: demo.env });
      expect(code, output).toBe(0);
      expect(output.trim()).toBe(url);
    });

    it('refuses a request without the token, with a wrong one, from a foreign Host, and a cross-origin POST', async () => {
      expect((await rawRequest(`${origin()}/api/state`)).status).toBe(401);
      expect((await rawRequest(`${origin()}/api/state?token=wrong`)).status).toBe(401);
      const cookie = `devup_dashboard=${token()}`;
      expect((await rawRequest(`${origin()}/api/state`, { headers: { cookie } })).status).toBe(200);
      const host = await rawRequest(`${origin()}/api/state`, { headers: { cookie, host: `evil.example:${uiPort}` } });
      expect(host.status).toBe(403);
      const post = (headers: Record<string, string>) =>
        rawRequest(`${origin()}/api/action`, {
          method: 'POST',
          headers: { cookie, 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ resource: 'auth', action: 'restart' }),
        });
      expect((await post({ origin: 'http://evil.example' })).status).toBe(403);
      expect((await post({})).status).toBe(403);
    });

    it('shows Postgres and the three demo services ready; a restart gives a service a new pid', async () => {
      await page.goto(url);
      for (const name of ['auth', 'workflow', 'ingestion']) {
        await page.locator(`tr[data-resource="${name}"][data-state="ready"]`).waitFor();
      }
      await page.locator('tr[data-resource="postgres"][data-state="ready"]').waitFor();
      await page.screenshot({ path: path.join(IMAGES, 'dashboard-resources.png') });
      const before = await pidOf(page, 'workflow');
      expect(before).toMatch(/^\d+$/);
      await page.locator('tr[data-resource="workflow"] button[data-action="restart"]').click();
      await page.waitForFunction((old) => {
        const row = document.querySelector('tr[data-resource="workflow"]');
        const pid = row?.querySelector('td.pid')?.textContent?.trim();
        return row?.getAttribute('data-state') === 'ready' && pid !== old && /^\d+$/.test(pid ?? '');
      }, before);
      const after = await pidOf(page, 'workflow');
      const status = JSON.parse((await runCli(args('status', '--json'), { cwd: demo.dir, env: demo.env })).output);
      const workflow = status.resources.find((r: { name: string }) => r.name === 'workflow');
      expect(workflow).toMatchObject({ kind: 'service', state: 'ready', pid: Number(after), restarts: 1 });
    });

    it('shows the environment with the database password masked', async () => {
      const password = readFileSync(`${demo.dir}/.devup/password`, 'utf8').trim();
      await page.locator('tr[data-resource="auth"] button', { hasText: 'env' }).click();
      const env = page.locator('table.env');
      await env.getByText('DATABASE_URL', { exact: true }).waitFor();
      expect(await env.innerText()).toContain('devup:****@');
      expect(await env.innerText()).not.toContain(password);
    });

    it('filters the logs by text and by resource', async () => {
      await page.locator('a[data-page="logs"]').click();
      await page.locator('.log .row').first().waitFor();
      await page.locator('input[name="filter"]').fill('restarted, ready in');
      await page.locator('.log .row', { hasText: 'restarted, ready in' }).first().waitFor();
      const rows = page.locator('.log .row');
      await page.waitForFunction(() =>
        [...document.querySelectorAll('.log .row')].every((row) => row.textContent?.includes('restarted, ready in')),
      );
      expect(await rows.count()).toBe(1);
      expect(await rows.first().innerText()).toContain('workflow');
      await page.locator('input[name="filter"]').fill('listening on');
      await page.locator('.filters label', { hasText: 'auth' }).locator('input').uncheck();
      await page.waitForFunction(() => {
        const rows = [...document.querySelectorAll('.log .row')];
        return (
          rows.length > 0 &&
          rows.every((row) => row.textContent?.includes('listening on') && !row.textContent.includes('auth listening'))
        );
      });
      await page.locator('.filters label', { hasText: 'auth' }).locator('input').check();
      await page.screenshot({ path: path.join(IMAGES, 'dashboard-logs.png') });
    });

    it('turns cells pending when a migration is saved, shows its SQL, and applies it from the page', async () => {
      await page.locator('a[data-page="database"]').click();
      await page.locator('td[data-schema="auth_acme"][data-state="applied"]').waitFor();
      writeFileSync(
        `${demo.dir}/services/auth/migrations/0007_add_user_nickname.sql`,
        'alter table users add column nickname text;\n',
      );
      for (const tenant of ['default', 'acme', 'globex']) {
        await page.locator(`td[data-schema="auth_${tenant}"][data-state="pending"]`).waitFor();
      }
      await page.locator('td[data-schema="auth_acme"] button').click();
      await page.locator('.details').getByText('0007_add_user_nickname', { exact: true }).waitFor();
      await page.locator('.connection-string code', { hasText: 'devup:****@' }).waitFor();
      await page.screenshot({ path: path.join(IMAGES, 'dashboard-database.png') });
      await page.locator('button[data-apply="auth"]').click();
      const dialog = page.locator('dialog.confirm');
      await dialog.getByText('alter table users add column nickname text;').first().waitFor();
      expect(await dialog.locator('pre.sql').count()).toBe(3);
      await dialog.locator('button[data-confirm]').click();
      for (const tenant of ['default', 'acme', 'globex']) {
        await page.locator(`td[data-schema="auth_${tenant}"][data-state="applied"]`).waitFor();
      }
      const { rows } = await query(
        "select count(*)::int as n from information_schema.columns where column_name = 'nickname' and table_name = 'users'",
      );
      expect(rows[0]?.n).toBe(3);
    });

    it('rolls back one migration after a confirmation naming its file and down SQL (the cell turns pending), then redoes one', async () => {
      const index = async () =>
        (await query("select count(*)::int as n from pg_indexes where indexname = 'workflow_runs_active_idx'")).rows[0]
          ?.n;
      expect(await index()).toBe(1);
      await page.locator('td[data-schema="workflow_default"] button').click();
      await page.locator('button[data-rollback="workflow_default"]').click();
      const dialog = page.locator('dialog.confirm');
      await dialog
        .getByText('services/workflow/migrations/0005_workflow_runs_active_index_concurrently.down.sql')
        .waitFor();
      await dialog.getByText('drop index concurrently if exists workflow_runs_active_idx;').waitFor();
      await dialog.locator('button[data-confirm]').click();
      await page.locator('p.done', { hasText: 'Rolled back 0005_workflow_runs_active_index_concurrently' }).waitFor();
      await page.locator('td[data-schema="workflow_default"][data-state="pending"]').waitFor();
      expect(await index()).toBe(0);
      // A redo of a pending cell takes back the newest applied (0004) and applies both again.
      await page.locator('button[data-redo="workflow_default"]').click();
      await dialog.getByText('alter table workflows drop column archived_at;').waitFor();
      await dialog.getByText('0005_workflow_runs_active_index_concurrently', { exact: false }).first().waitFor();
      await page.screenshot({ path: path.join(IMAGES, 'dashboard-rollback.png') });
      await dialog.locator('button[data-confirm]').click();
      await page.locator('p.done', { hasText: 'Redid 0004_add_workflow_archived_at' }).waitFor();
      await page.locator('td[data-schema="workflow_default"][data-state="applied"]').waitFor();
      expect(await index()).toBe(1);
    });

    it('resets a service after a confirmation naming its schema: a row written since is gone, the migrations and seeds applied again', async () => {
      const count = async () =>
        Number((await query('select count(*) as n from workflow_default.workflows')).rows[0]?.n);
      const seeded = await count();
      expect(seeded).toBeGreaterThan(0);
      await query("insert into workflow_default.workflows (slug, name) values ('before-reset', 'Before the reset')");
      expect(await count()).toBe(seeded + 1);
      await page.locator('button[data-reset="workflow"]').click();
      const dialog = page.locator('dialog.confirm');
      await dialog.getByText('workflow_default').waitFor();
      await dialog.locator('button[data-confirm]').click();
      await page.locator('p.done', { hasText: 'Reset workflow' }).waitFor();
      await page.locator('td[data-schema="workflow_default"][data-state="applied"]').waitFor();
      expect(await count()).toBe(seeded);
      expect((await query("select 1 from workflow_default.workflows where slug = 'before-reset'")).rowCount).toBe(0);
    });

    it('saves a snapshot, restores it after a confirmation (a row written since is gone), and deletes it', async () => {
      const count = async () =>
        Number((await query('select count(*) as n from workflow_default.workflows')).rows[0]?.n);
      await page.locator('input[name="snapshot-name"]').fill('e2e-before');
      await page.getByRole('button', { name: 'save a snapshot' }).click();
      await page.locator('tr[data-snapshot="e2e-before"]').waitFor();
      await page.screenshot({ path: path.join(IMAGES, 'dashboard-snapshots.png'), fullPage: true });
      const before = await count();
      await query(
        "insert into workflow_default.workflows (slug, name) values ('after-snapshot', 'After the snapshot')",
      );
      expect(await count()).toBe(before + 1);
      await page.locator('button[data-restore="e2e-before"]').click();
      const dialog = page.locator('dialog.confirm');
      await dialog.getByText(String(demo.env.DEMO_PROJECT).replace(/[^a-z0-9_]/g, '_'), { exact: true }).waitFor();
      await dialog.locator('button[data-confirm]').click();
      await page.locator('.snapshots p.done', { hasText: 'Restored e2e-before' }).waitFor();
      expect(await count()).toBe(before);
      await page.locator('button[data-delete="e2e-before"]').click();
      await page.locator('dialog.confirm button[data-confirm]').click();
      await page.locator('.snapshots').getByText('No snapshot yet.').waitFor();
    });

    it('draws each service’s ER diagram from the live database and says whether the committed docs match', async () => {
      writeFileSync(`${demo.dir}/docs/database/ingestion.md`, '# edited by hand\n');
      await page.locator('a[data-page="schema"]').click();
      await page.locator('section[data-service="auth"] [data-docs="match"]').waitFor();
      await page
        .locator('section[data-service="ingestion"] [data-docs="differ"]', { hasText: 'ingestion.md' })
        .waitFor();
      // Drawn by Mermaid from the same erDiagram text as the committed <service>.md.
      for (const table of ['users', 'sessions', 'api_keys']) {
        await page.locator(`section[data-service="auth"] svg g[data-entity="${table}"]`).waitFor();
      }
      for (const service of ['auth', 'workflow', 'ingestion']) {
        await page.locator(`section[data-service="${service}"] .er[data-drawn="true"] svg[role="img"]`).waitFor();
      }
      // The key columns, as in the docs: a column that is a foreign key and unique shows both.
      const users = await page.locator('section[data-service="auth"] svg g[data-entity="users"]').textContent();
      expect(users).toMatch(/text\s*email\s*UK/);
      const steps = page.locator('section[data-service="workflow"] svg g[data-entity="workflow_steps"]');
      expect(await steps.textContent()).toMatch(/bigint\s*workflow_id\s*FK,UK/);
      // users has two relations (api_keys and sessions), each labelled with its foreign key.
      expect(
        await page.locator('section[data-service="auth"] .er svg g.edgeLabel', { hasText: 'user_id' }).count(),
      ).toBe(2);
      await page.screenshot({ path: path.join(IMAGES, 'dashboard-schema.png'), fullPage: true });
    });

    it('shows who waits for whom, and cancels the waiting query from the page', async () => {
      const connect = async (name: string) => {
        const client = new pg.Client({
          host: '127.0.0.1',
          port: Number(demo.env.DEMO_DB_PORT),
          user: 'devup',
          password: readFileSync(`${demo.dir}/.devup/password`, 'utf8').trim(),
          database: String(demo.env.DEMO_PROJECT).replace(/[^a-z0-9_]/g, '_'),
          application_name: name,
        });
        await client.connect();
        return client;
      };
      const holder = await connect('e2e-holder');
      const waiter = await connect('e2e-waiter');
      try {
        await holder.query('begin');
        await holder.query('lock table auth_default.users in access exclusive mode');
        const waiterPid = (await waiter.query('select pg_backend_pid() as pid')).rows[0].pid as number;
        const holderPid = (await holder.query('select pg_backend_pid() as pid')).rows[0].pid as number;
        const waiting = waiter
          .query('select count(*) from auth_default.users')
          .catch((error: { code?: string }) => error);
        await page.locator('a[data-page="activity"]').click();
        await page.locator(`li[data-waiting="${waiterPid}"]`, { hasText: `waits for ${holderPid}` }).waitFor();
        await page.screenshot({ path: path.join(IMAGES, 'dashboard-activity.png'), fullPage: true });
        await page.locator(`button[data-cancel="${waiterPid}"]`).click();
        expect(await waiting).toMatchObject({ code: '57014' });
        await page.locator(`li[data-waiting="${waiterPid}"]`).waitFor({ state: 'detached' });
      } finally {
        await holder.end();
        await waiter.end();
      }
    });

    it('shows the slowest statements from pg_stat_statements, which devup preloads in the server it runs', async () => {
      // The slowest by its mean (0.2 s), so it is among the statements shown whatever else ran.
      await query('select pg_sleep(0.2) as e2e_statements');
      await page.locator('a[data-page="activity"]').click();
      await page.locator('table.statements code', { hasText: 'select pg_sleep($1) as e2e_statements' }).waitFor();
      expect(await page.locator('[data-statements-hidden]').count()).toBe(0);
    });

    it('in read-only mode shows no action and refuses every POST; the port is the one remembered', async () => {
      await stopDev();
      await startDev('--ui-read-only');
      expect(new URL(url).port).toBe(String(uiPort));
      await page.goto(url);
      await page.locator('tr[data-resource="auth"][data-state="ready"]').waitFor();
      await page.getByText('read-only').waitFor();
      expect(await page.locator('button[data-action]').count()).toBe(0);
      await page.locator('a[data-page="database"]').click();
      await page.locator('td[data-schema="auth_acme"]').waitFor();
      await page.locator('td[data-schema="workflow_default"] button').click();
      await page
        .locator('.details')
        .getByText('0005_workflow_runs_active_index_concurrently', { exact: true })
        .waitFor();
      expect(
        await page
          .locator(
            'button[data-apply], button[data-reset], button[data-reset-project], button[data-rollback], button[data-redo]',
          )
          .count(),
      ).toBe(0);
      const refused = await page.evaluate(async () => {
        const post = (path: string, body: unknown) =>
          fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return [
          (await post('/api/action', { resource: 'auth', action: 'stop' })).status,
          (
            await post('/api/database/rollback', {
              service: 'workflow',
              tenant: 'default',
              mode: 'down',
              expected: '0005_workflow_runs_active_index_concurrently',
            })
          ).status,
        ];
      });
      expect(refused).toEqual([403, 403]);
      await stopDev();
      const after = await runCli(args('ui'), { cwd: demo.dir, env: demo.env });
      expect(after.code).toBe(1);
      expect(after.output).toMatch(/no dashboard is running for this project/);
      expect(readFileSync(`${demo.dir}/.devup/dashboard.json`, 'utf8')).not.toContain(token());
    });
  },
);
