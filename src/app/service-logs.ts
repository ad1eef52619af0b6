import { UserError } from '../errors.js';
import { readDevSession } from '../services/dev-session.js';
import { logDir } from '../services/log-dir.js';
import { LogPrefixer } from '../services/log-prefixer.js';
import { followLogs, type LogEntry, type LogPosition, loggedResources, readLog } from '../services/log-store.js';
import type { Output } from '../ui/output.js';

export interface ShowLogsOptions {
  /** The project's state directory (.devup). */
  stateDir: string;
  /** The services the config defines, in config order. */
  services: readonly string[];
  /** The services asked for; all when empty. */
  names: readonly string[];
  follow: boolean;
  /** Aborted by Ctrl-C: ends following. */
  signal: AbortSignal;
}

/**
 * `devup logs [-f] [SERVICE…]`: the running session's service logs from `.devup/logs`, merged
 * in the order devup read them; with `follow`, new lines as they come, until Ctrl-C or the
 * session ends. Without a running session: the last session's logs, and a line saying so.
 */
export async function showServiceLogs(output: Output, options: ShowLogsOptions): Promise<number> {
  const unknown = options.names.filter((name) => !options.services.includes(name));
  if (unknown.length > 0) {
    throw new UserError(`devup logs: no service named ${unknown.join(', ')}`, {
      hint: `Services: ${options.services.join(', ')}`,
    });
  }
  const dir = logDir(options.stateDir);
  const logged = loggedResources(dir);
  const resources = (options.names.length > 0 ? options.names : options.services).filter((n) => logged.includes(n));
  const session = readDevSession(options.stateDir);
  if (resources.length === 0) {
    const which = options.names.length > 0 ? options.names.join(', ') : 'any service';
    output.notice(
      session
        ? `No logs of ${which} yet in this devup dev (pid ${session.pid}).`
        : `No logs of ${which}: devup dev has not run a service in this project yet.`,
    );
    return 0;
  }
  const prefixer = new LogPrefixer(resources, { color: output.color });
  const print = (entries: LogEntry[]) => printEntries(output, prefixer, entries);
  const positions = new Map<string, LogPosition>();
  const entries: LogEntry[] = [];
  for (const resource of resources) {
    const read = readLog(dir, resource);
    positions.set(resource, read.position);
    entries.push(...read.entries);
  }
  // A stable sort: one service's lines of the same millisecond keep their order.
  print(entries.sort((a, b) => a.time - b.time));
  if (!session) {
    output.notice(
      `devup dev is not running: these are the logs of its last session${options.follow ? ' (nothing to follow)' : ''}.`,
    );
    return 0;
  }
  if (!options.follow) return 0;
  await followLogs(dir, resources, positions, print, {
    signal: options.signal,
    // The session may end while we follow: its last lines are read, then we say so.
    until: () => readDevSession(options.stateDir)?.pid !== session.pid,
  });
  if (!options.signal.aborted) output.notice(`devup dev (pid ${session.pid}) stopped.`);
  return 0;
}

function printEntries(output: Output, prefixer: LogPrefixer, entries: LogEntry[]): void {
  if (output.mode === 'json') {
    for (const e of entries)
      output.event({ event: 'log', service: e.resource, stream: e.stream, time: e.time, line: e.line });
    return;
  }
  // Written in pieces: a whole 10 MB log as one string would double it in memory for nothing.
  let text = '';
  for (const entry of entries) {
    text += prefixer.format(entry.resource, entry.stream, entry.line);
    if (text.length > 64 * 1024) {
      output.write(text);
      text = '';
    }
  }
  if (text) output.write(text);
}
