import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.js';
import { addExitHook } from '../lib/exit-hooks.js';
import { currentProcess, isRunning, type ProcessIdentity } from '../process-identity.js';
import { withProjectLock } from '../project-lock.js';

/** What a running `devup dev` publishes about itself in .devup/services.json (see the supervisor). */
export interface DevSessionState {
  pid: number;
  startedAt: string;
  services: {
    name: string;
    pid?: number;
    /** The service process's start time (see ProcessIdentity), so a later session can tell it from a reused pid. */
    started?: string;
    port?: number;
    url?: string;
    status: string;
    readyMs?: number;
  }[];
}

/**
 * .devup/dev-session.json: which process is this project's `devup dev`, from its first step to its
 * exit, or the `devup reset` that rebuilds the project's databases (from its confirmation to the
 * end of its rebuild). A `devup dev` started meanwhile waits for that reset instead of booting
 * into databases being dropped.
 */
interface DevSessionClaim extends ProcessIdentity {
  startedAt: string;
  /** The session's id, which every service it starts inherits as DEVUP_SESSION (see session-processes.ts). */
  session?: string;
  /** Absent in claims of an older devup: a dev. */
  command?: 'dev' | 'reset';
}

/** This process's hold on the project's `devup dev`. */
export interface ClaimedDevSession {
  /** The session id its services inherit (DEVUP_SESSION). */
  session: string;
  /** Removes the claim, while it is still this process's. */
  release(): void;
  /**
   * Stops what a session that died without stopping its services (kill -9, a crash) left running:
   * its recorded service processes and whatever carries its marker. Resolves with the one line
   * that says so, or undefined when nothing was left.
   */
  stopLeftovers(): Promise<string | undefined>;
}

type ClaimCommand = NonNullable<DevSessionClaim['command']>;

export function devSessionFile(stateDir: string): string {
  return path.join(stateDir, 'services.json');
}

function claimFile(stateDir: string): string {
  return path.join(stateDir, 'dev-session.json');
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The claim of the command that holds the session now; one left by a crash (pid gone or reused) is none. */
function liveClaim(stateDir: string): DevSessionClaim | undefined {
  const claim = readJson<DevSessionClaim>(claimFile(stateDir));
  return claim && isRunning(claim) ? claim : undefined;
}

/** The live claim of a `devup dev` (not of a reset). */
function liveDevClaim(stateDir: string): DevSessionClaim | undefined {
  const claim = liveClaim(stateDir);
  return claim?.command === 'reset' ? undefined : claim;
}

/** Polls until the reset that holds the session has let it go (or died). */
async function waitForReset(stateDir: string, reset: DevSessionClaim): Promise<void> {
  for (;;) {
    const current = liveClaim(stateDir);
    if (current?.pid !== reset.pid || current.started !== reset.started) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Makes this process the project's `devup dev` (or the reset that rebuilds its databases), before
 * it touches the database or any file, or refuses naming the dev that runs. A reset holding the
 * session is waited for (`onWaitForReset` is told once). A claim left by a dead session is taken
 * over, and what that session left running can be stopped (`stopLeftovers`).
 */
export async function claimDevSession(
  stateDir: string,
  options: { command?: ClaimCommand; onWaitForReset?: (pid: number) => void } = {},
): Promise<ClaimedDevSession> {
  const me = currentProcess();
  const command = options.command ?? 'dev';
  const session = randomBytes(8).toString('hex');
  const claim = `${JSON.stringify({ ...me, startedAt: new Date().toISOString(), session, command } satisfies DevSessionClaim, null, 2)}\n`;
  let dead: { claim: DevSessionClaim; state: DevSessionState | undefined } | undefined;
  mkdirSync(stateDir, { recursive: true });
  let told = false;
  for (;;) {
    try {
      // The usual case, no claim yet: creating the file exclusively is the whole claim.
      writeFileSync(claimFile(stateDir), claim, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    // A claim exists. The file is only replaced, never removed, while stale: whoever finds it
    // waits for the lock, so two runs after a crash cannot both take it over.
    const reset = await withProjectLock(stateDir, 'dev-session', async () => {
      const other = liveClaim(stateDir);
      if (other && other.pid !== me.pid) {
        if (other.command === 'reset') return other;
        throw alreadyRunning(other);
      }
      const stale = other ? undefined : readJson<DevSessionClaim>(claimFile(stateDir));
      // Read before this session's own state file replaces it: the dead session's pids.
      if (stale) dead = { claim: stale, state: readJson<DevSessionState>(devSessionFile(stateDir)) };
      const temporary = `${claimFile(stateDir)}.${process.pid}.tmp`;
      writeFileSync(temporary, claim);
      renameSync(temporary, claimFile(stateDir));
      return undefined;
    });
    if (!reset) break;
    if (!told) options.onWaitForReset?.(reset.pid);
    told = true;
    await waitForReset(stateDir, reset);
  }
  const removeClaim = () => {
    const current = readJson<DevSessionClaim>(claimFile(stateDir));
    if (current?.pid === me.pid && current.started === me.started) rmSync(claimFile(stateDir), { force: true });
  };
  const removeExitHook = addExitHook(removeClaim);
  return {
    session,
    release() {
      removeExitHook();
      removeClaim();
    },
    async stopLeftovers() {
      if (!dead) return undefined;
      // Only after a crash: the normal start never loads the /proc scan.
      const { stopDeadSession } = await import('./dead-session.js');
      return stopDeadSession(dead.claim, dead.state?.pid === dead.claim.pid ? dead.state : undefined);
    },
  };
}

function alreadyRunning(other: DevSessionClaim): UserError {
  return new UserError(`devup dev is already running for this project (pid ${other.pid}, since ${other.startedAt})`, {
    hint: `Use that one, or stop it first (Ctrl-C in its terminal, or \`kill ${other.pid}\`). \`devup status\` shows it.`,
  });
}

/** The running `devup dev` of this project, if any, with its services once they are started. */
export function readDevSession(stateDir: string): DevSessionState | undefined {
  const claim = liveDevClaim(stateDir);
  if (!claim) return undefined;
  const state = readJson<DevSessionState>(devSessionFile(stateDir));
  return { pid: claim.pid, startedAt: claim.startedAt, services: state?.pid === claim.pid ? state.services : [] };
}

/** Asks a running `devup dev` to stop its services (as Ctrl-C would) and waits until it exits. */
export async function stopDevSession(stateDir: string, timeoutMs = 20_000): Promise<number | undefined> {
  // A reset holding the session is not stopped: the caller's claim waits for it.
  const claim = liveDevClaim(stateDir);
  if (!claim || claim.pid === process.pid) return undefined;
  process.kill(claim.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isRunning(claim) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (isRunning(claim)) {
    throw new UserError(`the running devup dev (pid ${claim.pid}) did not stop within ${timeoutMs / 1000} s`, {
      hint: `Stop it yourself (Ctrl-C in its terminal, or \`kill ${claim.pid}\`), then run the command again.`,
    });
  }
  return claim.pid;
}
