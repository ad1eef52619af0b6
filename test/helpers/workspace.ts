import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResolvedConfig } from '../../src/config/types.js';
import { resolveConfig } from '../../src/config/validate.js';

export interface Workspace {
  dir: string;
  write(file: string, content: string): string;
  remove(file: string): void;
  config(raw: unknown, env?: NodeJS.ProcessEnv): ResolvedConfig;
  cleanup(): void;
}

/** A throwaway project directory with files and a resolved config, for tests. */
export function createWorkspace(files: Record<string, string> = {}): Workspace {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'devup-ws-'));
  const ws: Workspace = {
    dir,
    write(file, content) {
      const full = path.join(dir, file);
      mkdirSync(path.dirname(full), { recursive: true });
      writeFileSync(full, content);
      return full;
    },
    remove(file) {
      rmSync(path.join(dir, file), { recursive: true, force: true });
    },
    config(raw, env = {}) {
      const { config, problems } = resolveConfig(raw, { configPath: path.join(dir, 'devup.config.json'), env });
      if (!config) throw new Error(`invalid test config: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
      return config;
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (const [file, content] of Object.entries(files)) ws.write(file, content);
  return ws;
}
