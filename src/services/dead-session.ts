import type { ProcessIdentity } from '../process-identity.js';
import type { DevSessionState } from './dev-session.js';
import {
  countProcesses,
  describeProcesses,
  processesOfSession,
  type SessionProcess,
  stillRunning,
  stopProcesses,
} from './session-processes.js';

/**
 * Stops what a `devup dev` that died without its shutdown (kill -9, a crash, a closed laptop lid
 * that ended the terminal) left running: the service processes its state file recorded, still
 * running as themselves (pid and start time), and every process carrying its session marker
 * (their children, setsid daemons). Returns the one line that says what happened.
 */
export async function stopDeadSession(
  claim: ProcessIdentity & { startedAt: string; session?: string },
  state: DevSessionState | undefined,
): Promise<string | undefined> {
  const recorded = (state?.services ?? []).flatMap((service) =>
    service.pid === undefined ? [] : [{ pid: service.pid, started: service.started }],
  );
  const found = new Map<number, SessionProcess>();
  for (const p of stillRunning(recorded)) found.set(p.pid, p);
  for (const p of claim.session ? processesOfSession(claim.session) : []) found.set(p.pid, p);
  if (found.size === 0) return undefined;
  const targets = [...found.values()];
  const survivors = await stopProcesses(targets);
  const whose = `the devup dev that ended without stopping its services (pid ${claim.pid}, started ${claim.startedAt})`;
  const stopped = targets.filter((t) => !survivors.includes(t));
  if (survivors.length === 0)
    return `Stopped ${countProcesses(stopped.length)} left running by ${whose}: ${describeProcesses(stopped)}.`;
  return `${countProcesses(survivors.length)} left running by ${whose} did not stop: ${describeProcesses(survivors)} (stop them yourself).`;
}
