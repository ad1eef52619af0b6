import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Every test file gets a machine-wide checkout registry of its own: tests never touch the real
// one (~/.local/state/devup), and the CLIs they start inherit it.
process.env.DEVUP_STATE_HOME ??= mkdtempSync(path.join(os.tmpdir(), 'devup-state-'));
