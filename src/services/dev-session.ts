import { readFileSync } from 'node:fs';
import path from 'node:path';

/** What a running `devup dev` publishes about itself in .devup/services.json (see the supervisor). */
export interface DevSessionState {
  pid: number;
  startedAt: string;
  services: { name: string; pid?: number; port?: number; url?: string; status: string; readyMs?: number }[];
}

export function devSessionFile(stateDir: string): string {
  return path.join(stateDir, 'services.json');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the pid still runs devup: after a crash the pid may belong to another program by now. */
function isDevup(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('devup');
  } catch {
    return process.platform !== 'linux'; // no /proc to ask: trust the live pid
  }
}

/** The running `devup dev` of this project, if any (a stale file from a crash is ignored). */
export function readDevSession(stateDir: string): DevSessionState | undefined {
  try {
    const state = JSON.parse(readFileSync(devSessionFile(stateDir), 'utf8')) as DevSessionState;
    return alive(state.pid) && isDevup(state.pid) ? state : undefined;
  } catch {
    return undefined;
  }
}

/** Asks a running `devup dev` to stop its services (as Ctrl-C would) and waits until it exits. */
export async function stopDevSession(stateDir: string, timeoutMs = 20_000): Promise<number | undefined> {
  const session = readDevSession(stateDir);
  if (!session || session.pid === process.pid) return undefined;
  process.kill(session.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (alive(session.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return session.pid;
}
