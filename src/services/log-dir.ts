import path from 'node:path';

/** `.devup/logs` under a project's state directory: the running session's service logs (see log-store.ts). */
export function logDir(stateDir: string): string {
  return path.join(stateDir, 'logs');
}
