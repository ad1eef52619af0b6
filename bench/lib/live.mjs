// demo.live-migration: with `devup dev` running on the demo, from a new migration file written in
// auth's directory to the line saying it is applied in every tenant and auth and workflow are
// ready again (debounce, check, apply to 3 tenants, stop and start 2 services, readiness).
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { liveChildren } from './cleanup.mjs';
import { runCases } from './measure.mjs';
import { tail } from './util.mjs';

const WATCHING = /Watching the migrations of /;
const DONE = /✔ auth migrated; .*ready again in /;
const TIMEOUT_MS = 180_000;

let counter = 0;

/** One sample: starts `devup dev`, saves a migration once it watches, times it, stops devup. */
export function liveMigrationMs(repo, args, { cwd, env, migrationsDir }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repo, 'bin', 'devup.js'), ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    liveChildren.add(child);
    let output = '';
    let savedAt;
    let ms;
    const timer = setTimeout(() => stop(`no result after ${TIMEOUT_MS / 1000} s`), TIMEOUT_MS);
    const stop = (why) => {
      if (why) output += `\n(bench: ${why})`;
      child.kill('SIGINT');
    };
    const onData = (chunk) => {
      output += chunk;
      if (savedAt === undefined && WATCHING.test(output)) {
        counter++;
        const id = `${Date.now()}${String(counter).padStart(3, '0')}`;
        savedAt = process.hrtime.bigint();
        writeFileSync(
          path.join(migrationsDir, `9${id}_bench_live.sql`),
          `alter table users add column bench_live_${id} int;\n`,
        );
      } else if (savedAt !== undefined && ms === undefined && DONE.test(output)) {
        ms = Number(process.hrtime.bigint() - savedAt) / 1e6;
        stop();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      liveChildren.delete(child);
      if (ms === undefined)
        reject(new Error(`devup dev ended (${code ?? signal}) before ${DONE}:\n${tail(output, 12)}`));
      else resolve(ms);
    });
  });
}

/** The demo row, run alone on the demo copy after the others (`row` carries id, label, group, kind). */
export function liveMigrationCase(row, { repo, runs, engine, engineArgs, config, dir, env }) {
  const migrationsDir = path.join(dir, 'services', 'auth', 'migrations');
  return runCases(
    [
      {
        ...row,
        note: `engine ${engine}; a new auth migration → 3 tenants migrated, auth and workflow restarted and ready`,
        run: () => liveMigrationMs(repo, [...engineArgs, 'dev', '--config', config], { cwd: dir, env, migrationsDir }),
      },
    ],
    runs,
    { title: 'demo live migration' },
  );
}
