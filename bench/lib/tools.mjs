// tools: the tool-heavy example (examples/python-alembic: three Alembic services in their own
// databases, seven tenant targets, a models package of 120 SQLAlchemy classes imported by each
// `alembic` process) on the embedded engine. Cold: `devup migrate` from nothing (the cluster
// made, the init script run, every target migrated); warm: nothing pending. The migration step
// of the cold run is read from devup's own --json events.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { onCleanup } from './cleanup.mjs';
import { runCases, skippedCase } from './measure.mjs';
import { freePort, median, runSync, succeeds, timeCommand } from './util.mjs';

const PYTHON = '/usr/bin/python3';
const SERVICES = ['billing', 'ledger', 'catalog'];

export const TOOLS_ROWS = [
  { id: 'tools.cold', label: 'devup migrate from zero (process, cluster created)' },
  { id: 'tools.cold-step', label: '  of which the migration step (--json migrate-done)' },
  { id: 'tools.warm', label: 'devup migrate, nothing pending (process)' },
];

/** The example copied to `dir` with free ports and a virtualenv per service, as its README has it. */
async function prepareExample(repo, dir) {
  cpSync(path.join(repo, 'examples', 'python-alembic'), dir, {
    recursive: true,
    filter: (src) => !/[/](\.devup|\.venv|__pycache__|docs)$/.test(src),
  });
  const file = path.join(dir, 'devup.config.json');
  const config = JSON.parse(readFileSync(file, 'utf8'));
  config.project = 'devup-bench-alembic';
  config.database.port = await freePort();
  for (const service of ['billing', 'ledger']) config.services[service].port = await freePort();
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  for (const service of SERVICES) {
    runSync(PYTHON, ['-m', 'venv', '--system-site-packages', '--without-pip', path.join(dir, service, '.venv')]);
  }
}

function migrateDoneMs(output) {
  const done = output
    .split('\n')
    .filter((line) => line.includes('"migrate-done"'))
    .map((line) => JSON.parse(line))
    .at(-1);
  if (!done) throw new Error(`no migrate-done event:\n${output.slice(-2000)}`);
  return done.ms;
}

export async function toolsSuite({ repo, tempRoot, runs }) {
  const group = 'tools';
  if (!succeeds(PYTHON, ['-c', 'import alembic, psycopg2, sqlalchemy'])) {
    const reason = 'python3-alembic/python3-psycopg2 are not installed';
    return TOOLS_ROWS.map((row) => skippedCase({ ...row, group, kind: 'devup' }, reason));
  }
  const dir = path.join(tempRoot, 'alembic-example');
  await prepareExample(repo, dir);
  const cli = path.join(repo, 'bin', 'devup.js');
  const devup = (args, options = {}) =>
    timeCommand(process.execPath, [cli, ...args, '--engine', 'embedded'], {
      cwd: dir,
      env: { CI: 'true' },
      timeoutMs: 300_000,
      maxOutput: 4 * 1024 * 1024,
      ...options,
    });
  const down = () => devup(['down', '--volumes', '--yes']);
  // Synchronous (cleanup steps also run from signal handlers), and before the temp dir goes: the
  // cluster's server must be stopped before its data directory is removed.
  const dispose = onCleanup('devup down --volumes (the alembic example)', () => {
    runSync(process.execPath, [cli, 'down', '--volumes', '--yes', '--engine', 'embedded'], { cwd: dir });
    rmSync(dir, { recursive: true, force: true });
  });
  const steps = [];
  const results = await runCases(
    [
      {
        ...TOOLS_ROWS[0],
        group,
        kind: 'devup',
        note: '3 services, 7 targets',
        prepare: down,
        run: async () => {
          const { ms, output } = await devup(['--json', 'migrate']);
          steps.push(migrateDoneMs(output));
          return ms;
        },
      },
      {
        ...TOOLS_ROWS[2],
        group,
        kind: 'devup',
        // After the cold row in each round the targets are migrated; the first round's order may differ.
        prepare: async () => {
          await devup(['migrate']);
        },
        run: async () => (await devup(['migrate'])).ms,
      },
    ],
    runs,
    { title: group },
  );
  dispose();
  // The warm-up round is in `steps` too: left out, like the rows leave it out.
  const samples = steps.slice(1);
  const step = {
    ...TOOLS_ROWS[1],
    group,
    kind: 'devup',
    samples,
    rounds: {},
    median: median(samples),
    min: Math.min(...samples),
    max: Math.max(...samples),
  };
  return [results[0], step, ...results.slice(1)];
}
