import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DependencyGraph } from '../../config/dependency-graph.js';
import { INFRA_PRESETS } from '../../config/infra-presets.js';
import type { InfraSettings } from '../../config/types.js';
import type { ProgressSink } from '../../database/engine.js';
import { UserError } from '../../errors.js';
import { isPortInUse } from '../../ports.js';
import type { StartedInfra } from '../start-infra.js';

/** Where a native entry keeps its data, pid and log: `.devup/infra/NAME/`. */
export function nativeDir(stateDir: string, name: string): string {
  return path.join(stateDir, 'infra', name);
}

/** The program on PATH, or undefined. */
export function findProgram(program: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * Without Docker: each entry whose preset names a program on the PATH runs it, detached (like
 * Postgres it outlives `devup dev`), data under .devup/infra/NAME. Any other entry is the error
 * `noDocker` makes; nothing is started then.
 */
export async function startNative(
  entries: InfraSettings[],
  stateDir: string,
  sink: ProgressSink,
  noDocker: () => Error,
): Promise<StartedInfra[]> {
  // One at a time, each after what it depends on (its own data, logs and port).
  const programs = new DependencyGraph(entries).order().map((entry) => {
    const native = entry.kind && entry.native ? INFRA_PRESETS[entry.kind].native : undefined;
    const program = native ? findProgram(native.program) : undefined;
    return { entry, native, program };
  });
  if (programs.some((p) => !p.program || !p.native)) throw noDocker();
  const started: StartedInfra[] = [];
  for (const { entry, native, program } of programs) {
    if (!native || !program) continue;
    const began = performance.now();
    const port = entry.ports[0]?.host ?? 0;
    const dir = nativeDir(stateDir, entry.name);
    const action = (await isPortInUse(port)) && runningPid(dir) ? 'reused' : 'started';
    if (action === 'started') {
      if (await isPortInUse(port)) {
        throw new UserError(`port ${port} (infra.${entry.name}) is already in use by another program`, {
          hint: `Stop it, or set infra.${entry.name}.ports in the config to a free port.`,
        });
      }
      launch(program, native.args({ port, dataDir: path.join(dir, 'data') }), dir, entry);
      sink.notice(
        `No Docker engine: running ${native.program} for infra.${entry.name} (data in ${path.relative(path.dirname(stateDir), dir)}).`,
      );
      await waitForPort(port, entry, dir);
    }
    started.push({
      entry,
      description: `${native.program} (pid ${runningPid(dir) ?? '?'}) on 127.0.0.1:${port}`,
      action,
      readyMs: performance.now() - began,
    });
  }
  return started;
}

function launch(program: string, args: string[], dir: string, entry: InfraSettings): void {
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  const log = openSync(path.join(dir, 'server.log'), 'a');
  const child = spawn(program, args, {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...entry.env },
  });
  child.unref();
  writeFileSync(path.join(dir, 'pid'), `${child.pid}\n`);
}

/** The pid in `dir/pid` when that process is alive. */
export function runningPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dir, 'pid'), 'utf8').trim());
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

async function waitForPort(port: number, entry: InfraSettings, dir: string): Promise<void> {
  const started = performance.now();
  while (performance.now() - started < entry.readyTimeoutMs) {
    if (await isPortInUse(port)) return;
    if (runningPid(dir) === undefined) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  let log = '';
  try {
    log = readFileSync(path.join(dir, 'server.log'), 'utf8').trimEnd().split('\n').slice(-10).join('\n');
  } catch {
    // no log yet
  }
  throw new UserError(`infra.${entry.name} (native) did not start listening on port ${port}`, {
    details: log ? ['Last lines of its log:', ...log.split('\n').map((l) => `  ${l}`)] : [],
    hint: `See ${path.join(dir, 'server.log')}.`,
  });
}

/** `devup down` without Docker: stops the native programs devup started (their data stays). */
export function stopNative(entries: readonly InfraSettings[], stateDir: string): string[] {
  const stopped: string[] = [];
  for (const entry of entries) {
    const pid = runningPid(nativeDir(stateDir, entry.name));
    if (pid === undefined) continue;
    process.kill(pid, 'SIGTERM');
    stopped.push(`${entry.name} (pid ${pid})`);
  }
  return stopped;
}
