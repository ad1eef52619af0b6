import { execFileSync } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import { runCheck } from '../../../src/check/run-check.js';
import { UserError } from '../../../src/errors.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { result } from './check-result.js';

let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

function ordersConfig(workspace: Workspace, extra: Record<string, unknown> = {}) {
  return workspace.config({
    project: 'check-test',
    services: { orders: { cwd: 'orders', migrations: { dir: 'migrations', tenants: ['acme', 'globex'] } } },
    ...extra,
  });
}

it('applies every migration from zero and reports a failure with its file, line, caret and SQLSTATE', async () => {
  ws = createWorkspace({
    'orders/migrations/0001_orders.sql': 'create table orders (id int primary key);\n',
    'orders/migrations/0002_bad.sql': '-- a typo\nalter table orders add column total numberic;\n',
  });
  const report = await runCheck(ordersConfig(ws), { engine: 'embedded' });
  expect(report.ok).toBe(false);
  const apply = result(report, 'orders', 'apply');
  expect(apply.status).toBe('fail');
  // Both tenants fail alike: one finding that names both.
  expect(apply.findings).toHaveLength(1);
  const finding = apply.findings[0];
  expect(finding?.message).toBe(
    'migration 0002_bad failed in orders (tenant acme), schema orders_acme (also in orders_globex)',
  );
  expect(finding?.file).toBe(`${ws.dir}/orders/migrations/0002_bad.sql`);
  expect(finding?.line).toBe(2);
  expect(finding?.details?.join('\n')).toMatch(/> 2 \| alter table orders add column total numberic;/);
  expect(finding?.details?.join('\n')).toMatch(/\^/);
  expect(finding?.details?.join('\n')).toMatch(/ERROR 42704: type "numberic" does not exist/);
  expect(result(report, 'orders', 'conflicts').status).toBe('pass');
});

it('names both files of a duplicate version, and still checks the other services', async () => {
  ws = createWorkspace({
    'orders/migrations/0001_orders.sql': 'create table orders (id int primary key);\n',
    'orders/migrations/0002_refunds.sql': 'create table refunds (id int);\n',
    'orders/migrations/0002_notes.sql': 'create table notes (id int);\n',
    'users/migrations/0001_users.sql': 'create table users (id int);\n',
  });
  const config = ws.config({
    project: 'check-test',
    services: {
      orders: { cwd: 'orders', migrations: { dir: 'migrations' } },
      users: { cwd: 'users', migrations: { dir: 'migrations' } },
    },
  });
  const report = await runCheck(config, { engine: 'embedded' });
  const conflicts = result(report, 'orders', 'conflicts');
  expect(conflicts.status).toBe('fail');
  expect(conflicts.findings[0]?.message).toMatch(/0002_notes\.sql and 0002_refunds\.sql have the same version 2/);
  expect(result(report, 'orders', 'apply').status).toBe('skip');
  expect(result(report, 'users', 'apply').status).toBe('pass');
});

it('reversibility: a down that leaves a column behind is named with what differs; a correct one passes', async () => {
  ws = createWorkspace({
    'orders/migrations/0001_orders.up.sql': 'create table orders (id int primary key);\n',
    'orders/migrations/0001_orders.down.sql': 'drop table orders;\n',
    'orders/migrations/0002_note.up.sql':
      "alter table orders add column note text not null default '';\ncreate index orders_note on orders (note);\n",
    'orders/migrations/0002_note.down.sql': 'drop index orders_note;\n',
    'orders/migrations/0003_status.up.sql': "create type status as enum ('new', 'paid');\n",
    'orders/migrations/0003_status.down.sql': 'drop type status;\n',
  });
  const report = await runCheck(ordersConfig(ws), { engine: 'embedded' });
  const reversibility = result(report, 'orders', 'reversibility');
  expect(reversibility.status).toBe('fail');
  expect(reversibility.note).toBe('3 downs, up → down → up in orders_acme');
  const finding = reversibility.findings[0];
  expect(finding?.details).toEqual([]);
  expect(finding?.message).toBe('0002_note: column orders.note still exists after down');
  expect(finding?.file).toBe(`${ws.dir}/orders/migrations/0002_note.down.sql`);
  // Re-applying 0002 after its incomplete down fails: the column is still there.
  expect(reversibility.findings[1]?.message).toMatch(
    /^0002_note: up failed after its down: migration 0002_note failed/,
  );
  expect(reversibility.findings).toHaveLength(2);
  expect(result(report, 'orders', 'apply').status).toBe('fail');

  ws.write('orders/migrations/0002_note.down.sql', 'drop index orders_note;\nalter table orders drop column note;\n');
  const fixed = await runCheck(ordersConfig(ws), { engine: 'embedded' });
  expect(result(fixed, 'orders', 'reversibility').status).toBe('pass');
  expect(result(fixed, 'orders', 'apply').status).toBe('pass');
  expect(fixed.ok).toBe(true);
});

it('reversibility: a down that drops more than its up created is reported', async () => {
  ws = createWorkspace({
    'orders/migrations/0001_orders.up.sql': 'create table orders (id int primary key, legacy text);\n',
    'orders/migrations/0002_index.up.sql': 'create index orders_legacy on orders (legacy);\n',
    'orders/migrations/0002_index.down.sql': 'drop index orders_legacy;\nalter table orders drop column legacy;\n',
  });
  const report = await runCheck(ordersConfig(ws), { engine: 'embedded' });
  const reversibility = result(report, 'orders', 'reversibility');
  expect(reversibility.findings[0]?.message).toBe(
    '0002_index: column orders.legacy is gone after down (it existed before the migration)',
  );
  // The second up then fails: the column it indexes is gone.
  expect(reversibility.findings[1]?.message).toMatch(/^0002_index: up failed after its down/);
});

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
  });
}

it('--base: a migration added below the base branch newest is refused, and only added files are linted', async () => {
  ws = createWorkspace({
    'orders/migrations/0001_orders.sql': 'create table orders (id bigint primary key, note text);\n',
    'orders/migrations/0010_refunds.sql': 'create table refunds (id bigint primary key);\n',
  });
  git(ws.dir, 'init', '-q', '-b', 'main');
  git(ws.dir, 'add', '.');
  git(ws.dir, 'commit', '-qm', 'base');
  git(ws.dir, 'checkout', '-qb', 'feature');
  ws.write('orders/migrations/0005_notes_index.sql', 'create index orders_note on orders (note);\n');
  ws.write(
    'orders/migrations/0011_drop_note.sql',
    '-- devup:lint-ignore ban-drop-column\nalter table orders drop column note;\n',
  );
  const config = ws.config({
    project: 'check-test',
    services: { orders: { cwd: 'orders', migrations: { dir: 'migrations' } } },
    check: { lint: { warn: ['prefer-robust-stmts', 'require-lock-timeout', 'require-statement-timeout'] } },
  });
  const report = await runCheck(config, { engine: 'embedded', base: 'main' });
  expect(report.base).toBe('main');
  const conflicts = result(report, 'orders', 'conflicts');
  expect(conflicts.findings.map((f) => f.message)).toEqual([
    "0005_notes_index was added below main's newest migration (0010_refunds)",
  ]);
  expect(conflicts.findings[0]?.file).toBe(`${ws.dir}/orders/migrations/0005_notes_index.sql`);

  const lint = result(report, 'orders', 'lint');
  expect(lint.note).toBe('2 files added since main');
  const errors = lint.findings.filter((f) => f.severity === 'error');
  expect(errors.map((f) => [f.rule, f.file?.slice(ws?.dir.length), f.line])).toEqual([
    ['require-concurrent-index-creation', '/orders/migrations/0005_notes_index.sql', 1],
  ]);
  expect(errors[0]?.details?.[0]).toMatch(/help: .*concurrently/i);
  // Ignored in the file; only warn-listed rules remain for it.
  expect(lint.findings.some((f) => f.rule === 'ban-drop-column')).toBe(false);
  expect(lint.findings.filter((f) => f.file?.endsWith('0010_refunds.sql'))).toEqual([]);
  expect(report.ok).toBe(false);

  // The project-wide ignore silences the index rule too.
  const ignoring = ws.config({
    project: 'check-test',
    services: { orders: { cwd: 'orders', migrations: { dir: 'migrations' } } },
    check: { lint: { ignore: ['require-concurrent-index-creation'], warn: ['*'] } },
  });
  ws.remove('orders/migrations/0005_notes_index.sql');
  ws.write('orders/migrations/0012_id_index.sql', 'create index orders_id on orders (id);\n');
  const clean = await runCheck(ignoring, { engine: 'embedded', base: 'main' });
  expect(result(clean, 'orders', 'lint').findings.some((f) => f.severity === 'error')).toBe(false);
  expect(clean.ok).toBe(true);
});

it('lint: a file that runs outside a transaction is linted as such', async () => {
  ws = createWorkspace({
    'orders/migrations/0001_orders.sql': 'create table orders (id bigint primary key, note text);\n',
    'orders/migrations/0002_index.sql':
      '-- devup:no-transaction\n\ncreate index concurrently orders_note on orders (note);\n',
    'orders/migrations/0003_notes.sql': 'create table notes (id bigint primary key);\n',
  });
  const report = await runCheck(ordersConfig(ws), { engine: 'embedded', all: true });
  const lint = result(report, 'orders', 'lint');
  expect(lint.note).toBe('3 files');
  // Without a transaction a failure half-way leaves the index behind: squawk asks for IF NOT EXISTS.
  // Inside one (0001, 0003) the same advice does not apply.
  const robust = lint.findings.filter((f) => f.rule === 'prefer-robust-stmts');
  expect(robust.map((f) => [f.file?.slice(ws?.dir.length), f.line, f.severity])).toEqual([
    ['/orders/migrations/0002_index.sql', 3, 'warning'],
  ]);
});

it('--base: not a git repository, or an unknown ref, is a clear error before anything starts', async () => {
  ws = createWorkspace({ 'orders/migrations/0001_orders.sql': 'create table orders (id int);\n' });
  const config = ordersConfig(ws);
  await expect(runCheck(config, { engine: 'embedded', base: 'main' })).rejects.toThrow(
    /--base main: .* is not inside a git repository/,
  );
  git(ws.dir, 'init', '-q', '-b', 'main');
  await expect(runCheck(config, { engine: 'embedded', base: 'origin/nope' })).rejects.toBeInstanceOf(UserError);
  await expect(runCheck(config, { engine: 'embedded', base: 'origin/nope' })).rejects.toThrow(
    /--base origin\/nope: no such branch, tag or commit/,
  );
});
