import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from '../lib/atomic-json.js';
import { isRunning, type ProcessIdentity } from '../process-identity.js';

/** `.devup/dashboard.json`: where this checkout's dashboard listens, for `devup ui` and the next run. */
export interface DashboardRecord {
  port: number;
  /** Absent once the session ended: the port is kept, the URL is not. */
  url?: string;
  owner?: ProcessIdentity;
  readOnly?: boolean;
}

export function dashboardFile(stateDir: string): string {
  return path.join(stateDir, 'dashboard.json');
}

export function readDashboardRecord(stateDir: string): DashboardRecord | undefined {
  try {
    return JSON.parse(readFileSync(dashboardFile(stateDir), 'utf8')) as DashboardRecord;
  } catch {
    return undefined;
  }
}

/** The running session's dashboard, if one serves now. */
export function liveDashboard(stateDir: string): (DashboardRecord & { url: string }) | undefined {
  const record = readDashboardRecord(stateDir);
  if (!record?.url || !record.owner || !isRunning(record.owner)) return undefined;
  return record as DashboardRecord & { url: string };
}

/** The URL holds the token: the file is readable by its owner only. */
export function writeDashboardRecord(stateDir: string, record: DashboardRecord): void {
  writeJsonAtomic(dashboardFile(stateDir), record, { mode: 0o600 });
}

/** At the session's end: the port stays remembered, the token is gone. */
export function forgetDashboardUrl(stateDir: string): void {
  const record = readDashboardRecord(stateDir);
  if (!record) return;
  try {
    writeDashboardRecord(stateDir, { port: record.port });
  } catch {
    rmSync(dashboardFile(stateDir), { force: true });
  }
}
