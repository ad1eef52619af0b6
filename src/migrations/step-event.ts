import type { MigrationEvent } from './apply.js';
import type { TargetBase } from './targets.js';

/** What the migration step reports as it goes (the UI draws from these). */
export type StepEvent =
  | { type: 'checked'; target: TargetBase; pending: string[]; upToDate: boolean }
  | { type: 'target-start'; target: TargetBase }
  | { type: 'target-done'; target: TargetBase; applied: string[]; ms: number }
  | { type: 'target-failed'; target: TargetBase; error: unknown }
  | { type: 'target-skipped'; target: TargetBase; reason: string }
  | { type: 'output'; target: TargetBase; line: string }
  | { type: 'database-setup'; database: string; done: string[]; warnings: string[] }
  | MigrationEvent;
