import { appendFileSync, cpSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyDemo, type RunningCli, runCli, startCli } from './demo-helpers.js';

/** No upper bound: a loaded machine is slow, not wrong. The test runner's own timeout still applies. */
const NO_LIMIT = 2_147_483_647;

describe('devup dev applies only what is whole, says only what is true (embedded engine)', () => {
  let demo: Awaited<ReturnType<typeof copyDemo>>;
  let cli: RunningCli;
  const args = (...rest: string[]) => [...rest, '--engine', 'embedded', '--config', `${demo.dir}/devup.config.mjs`];
  const auth = (file = '') => `${demo.dir}/services/auth/migrations${file ? `/${file}` : ''}`;
  const workflow = (file: string) => `${demo.dir}/services/workflow/migrations/${file}`;

  const pids = (): Record<string, number | undefined> => {
    const state = JSON.parse(readFileSync(`${demo.dir}/.devup/services.json`, 'utf8')) as {
      services: { name: string; pid?: number; status: string }[];
    };
    return Object.fromEntries(state.services.map((s) => [s.name, s.status === 'ready' ? s.pid : undefined]));
  };
  const count = (pattern: RegExp) => cli.output().match(new RegExp(pattern, 'g'))?.length ?? 0;
  /** Resolves at the next output matching `pattern` (one seen before does not count). */
  const nextMatch = (pattern: RegExp) => {
    const seen = count(pattern);
    return new Promise<void>((resolve, reject) => {
      const check = () => (count(pattern) > seen ? resolve() : undefined);
      cli.child.stdout?.on('data', check);
      cli.child.stderr?.on('data', check);
      cli.exited.then((code) => reject(new Error(`devup exited (${code}); output:\n${cli.output()}`)));
    });
  };
  const columns = async (table: string, schemaLike: string) => {
    const password = readFileSync(`${demo.dir}/.devup/password`, 'utf8').trim();
    const client = new pg.Client({
      host: '127.0.0.1',
      port: Number(demo.env.DEMO_DB_PORT),
      user: 'devup',
      password,
      database: String(demo.env.DEMO_PROJECT).replace(/[^a-z0-9_]/g, '_'),
    });
    await client.connect();
    try {
      const { rows } = await client.query<{ c: string }>(
        `select table_schema || '.' || column_name as c from information_schema.columns
          where table_name = $1 and table_schema like $2 order by 1`,
        [table, schemaLike],
      );
      return rows.map((r) => r.c);
    } finally {
      await client.end();
    }
  };
  const authColumns = async (...names: string[]) =>
    (await columns('users', 'auth\\_%')).filter((c) => names.includes(c.split('.')[1] as string));
  const MIGRATED = /✔ auth migrated; auth, workflow ready again in /;

  beforeAll(async () => {
    demo = await copyDemo();
    cli = startCli(args('dev'), { cwd: demo.dir, env: demo.env });
    await cli.waitFor(/Watching the migrations of auth, workflow, ingestion/, NO_LIMIT);
  });
  afterAll(async () => {
    cli?.child.kill('SIGINT');
    await cli?.exited;
    await runCli(args('down', '--volumes', '--yes'), { cwd: demo.dir, env: demo.env });
    demo.cleanup();
  });

  it('a new file still empty is not applied (one line says why); once written it is', async () => {
    const waiting = nextMatch(
      /… waiting for services\/auth\/migrations\/0007_add_user_locale\.sql: it has no statement yet/,
    );
    writeFileSync(auth('0007_add_user_locale.sql'), '-- add_user_locale\n');
    await waiting;
    expect(cli.output()).not.toMatch(MIGRATED);
    const done = nextMatch(MIGRATED);
    writeFileSync(auth('0007_add_user_locale.sql'), '-- add_user_locale\nalter table users add column locale text;\n');
    await done;
    expect(await authColumns('locale')).toEqual(['auth_acme.locale', 'auth_default.locale', 'auth_globex.locale']);
  });

  it('a file written in two writes 1.2 s apart is applied whole, and no save after it is refused', async () => {
    const done = nextMatch(MIGRATED);
    writeFileSync(auth('0008_add_user_a_b.sql'), 'alter table users add column a text;\n');
    // The writer's own pace (the scenario), not a wait for devup: the second half comes 1.2 s later.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    appendFileSync(auth('0008_add_user_a_b.sql'), 'alter table users add column b text;\n');
    await done;
    expect(await authColumns('a', 'b')).toEqual([
      'auth_acme.a',
      'auth_acme.b',
      'auth_default.a',
      'auth_default.b',
      'auth_globex.a',
      'auth_globex.b',
    ]);
    expect(cli.output()).not.toMatch(/changed on disk/);
  });

  it('an applied migration with no file warns, as at startup, and does not block the next save', async () => {
    rmSync(auth('0008_add_user_a_b.sql'));
    const done = nextMatch(MIGRATED);
    writeFileSync(auth('0009_add_user_c.sql'), 'alter table users add column c text;\n');
    await done;
    expect(cli.output()).toMatch(/applied migrations have no file any more: 0008_add_user_a_b/);
    expect(await authColumns('c')).toHaveLength(3);
  });

  it('deleting an unapplied failing migration migrates nothing and restarts nothing', async () => {
    const failed = nextMatch(/✗ auth: migration failed/);
    writeFileSync(auth('0010_broken.sql'), 'alter table users add colum x text;\n');
    await failed;
    const before = pids();
    const migrated = count(MIGRATED);
    const answered = nextMatch(/… auth: nothing to apply/);
    rmSync(auth('0010_broken.sql'));
    await answered;
    expect(count(MIGRATED)).toBe(migrated);
    expect(pids()).toEqual(before);
  });

  it('an edited applied migration names the way out; devup migrate redo applies the edit', async () => {
    const applied = nextMatch(/✔ workflow migrated/);
    writeFileSync(workflow('0006_add_step_note.down.sql'), 'alter table workflow_steps drop column note;\n');
    writeFileSync(workflow('0006_add_step_note.up.sql'), 'alter table workflow_steps add column note text;\n');
    await applied;
    const warned = nextMatch(
      /workflow: applied migrations changed on disk \(0006_add_step_note edited; in workflow_default\); nothing applied\. `devup migrate redo --service workflow --tenant default`/,
    );
    writeFileSync(workflow('0006_add_step_note.up.sql'), 'alter table workflow_steps add column note varchar(80);\n');
    await warned;
    const status = await runCli(args('migrate', 'status', '--exit-code', '--service', 'workflow'), {
      cwd: demo.dir,
      env: demo.env,
    });
    expect(status.code, status.output).toBe(3);
    expect(status.output).toMatch(/≠ 0006_add_step_note +changed since applied/);
    const redo = await runCli(args('migrate', 'redo', '--service', 'workflow', '--yes'), {
      cwd: demo.dir,
      env: demo.env,
    });
    expect(redo.code, redo.output).toBe(0);
    expect(redo.output).toMatch(/workflow_default: rolled back 0006_add_step_note/);
    expect(await columns('workflow_steps', 'workflow\\_default')).toContain('workflow_default.note');
    const after = await runCli(args('migrate', 'status', '--exit-code', '--service', 'workflow'), {
      cwd: demo.dir,
      env: demo.env,
    });
    expect(after.code, after.output).toBe(0);
  });

  it('follows a migrations directory replaced by another (mv away, mv a new one in)', async () => {
    const next = `${demo.dir}/services/auth/migrations.next`;
    cpSync(auth(), next, { recursive: true });
    writeFileSync(`${next}/0011_add_user_d.sql`, 'alter table users add column d text;\n');
    renameSync(auth(), `${demo.dir}/services/auth/migrations.old`);
    const done = nextMatch(MIGRATED);
    renameSync(next, auth());
    await done;
    expect(await authColumns('d')).toHaveLength(3);
    const again = nextMatch(MIGRATED);
    writeFileSync(auth('0012_add_user_e.sql'), 'alter table users add column e text;\n');
    await again;
    expect(await authColumns('e')).toHaveLength(3);
  });
});
