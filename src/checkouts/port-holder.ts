import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { type CheckoutEntry, readRegistry, registryDir } from './registry.js';

/** Who holds a port, for an error message: what it is, and how to stop it. */
export interface PortHolder {
  /** "the Postgres of the devup environment of shop in /home/ana/review/shop" */
  what: string;
  /** "run `devup down` in /home/ana/review/shop" */
  stop?: string;
}

/**
 * Names what listens on `port`: another devup environment on this machine (from the registry),
 * else the process, when the system lets us see it. `self` tells this checkout's own entry apart.
 */
export function findPortHolder(
  port: number,
  self: (root: string, entry: CheckoutEntry) => boolean = () => false,
  env: NodeJS.ProcessEnv = process.env,
): PortHolder | undefined {
  const registry = readRegistry(registryDir(env));
  const listener = listeningProcess(port);
  for (const [root, entry] of Object.entries(registry.checkouts)) {
    if (self(root, entry)) continue;
    // The registry says whose port it is; a listener we can see must agree (a stale entry must not mislead).
    const databaseHere =
      entry.ports.database === port &&
      (listener === undefined || listener.args.includes(entry.dataDir) || /docker/.test(listener.command));
    if (databaseHere) {
      return {
        what: `the Postgres of the devup environment of ${entry.project} in ${root}`,
        stop: `run \`devup down\` in ${root}`,
      };
    }
    const service = Object.entries(entry.ports.services).find(([, p]) => p === port)?.[0];
    const pid = service === undefined ? undefined : runningDevPid(entry.stateDir);
    if (service !== undefined && (listener === undefined || pid !== undefined)) {
      return {
        what: `service "${service}" of the devup environment of ${entry.project} in ${root}`,
        stop:
          pid === undefined
            ? `stop the \`devup dev\` running in ${root}`
            : `stop its \`devup dev\` (Ctrl-C in its terminal, or \`kill ${pid}\`)`,
      };
    }
  }
  const process = listeningProcess(port);
  return process === undefined
    ? undefined
    : { what: `${process.command} (pid ${process.pid})`, stop: `\`kill ${process.pid}\`` };
}

/** "Stop it (run `devup down` in /x)": the start of a hint, with how to stop the holder when known. */
export function stopHint(holder: PortHolder | undefined): string {
  return holder?.stop ? `Stop it (${holder.stop})` : 'Stop it';
}

function runningDevPid(stateDir: string): number | undefined {
  try {
    const pid = (JSON.parse(readFileSync(path.join(stateDir, 'dev-session.json'), 'utf8')) as { pid?: number }).pid;
    if (typeof pid !== 'number') return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Linux: the listening socket's inode from /proc/net/tcp{,6}, then the process holding it. Elsewhere: unknown. */
export function listeningProcess(port: number): { pid: number; command: string; args: string } | undefined {
  if (process.platform !== 'linux') return undefined;
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address is HOST:PORT in hex; state 0A is LISTEN; field 9 is the inode.
      if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A' && fields[9] && fields[9] !== '0') {
        inodes.add(`socket:[${fields[9]}]`);
      }
    }
  }
  if (inodes.size === 0) return undefined;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to look at
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (inodes.has(target)) return { pid: Number(pid), ...commandOf(pid) };
    }
  }
  return undefined;
}

/** The command line, shortened for a message, and whole (args) to match paths in. */
function commandOf(pid: string): { command: string; args: string } {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const text = args.map((arg, index) => (index === 0 ? path.basename(arg) : arg)).join(' ');
    return { command: text.length > 80 ? `${text.slice(0, 77)}...` : text || 'a process', args: args.join(' ') };
  } catch {
    return { command: 'a process', args: '' };
  }
}
