import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ResolvedConfig } from '../../../src/config/types.js';
import { type ConnectionInfo, withClient } from '../../../src/database/connection/connection.js';
import { runMigrationStep, type StepEvent } from '../../../src/migrations/step/migration-step.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';
import { createTestDatabase } from '../helpers/database.js';

// Two tool services in databases of their own migrate in parallel (the scheduler's unit test
// shows when each starts); here, with real processes: each target's output arrives whole and in
// order, and each service's first tenant finished before its other tenants started.

const LINES = 400;
// Prints LINES numbered lines on stdout and every tenth on stderr too, the last without a newline,
// and logs its start and end (one short append each: whole lines even with other writers).
const MIGRATE = `
const fs = require('node:fs');
const log = (what) => fs.appendFileSync(process.env.RUN_LOG, what + ' ' + process.env.DEVUP_SCHEMA + '\\n');
log('start');
for (let i = 1; i <= ${LINES}; i++) {
  const line = 'out ' + process.env.DEVUP_SCHEMA + ' ' + i;
  if (i === ${LINES}) process.stdout.write(line);
  else console.log(line);
  if (i % 10 === 0) console.error('err ' + process.env.DEVUP_SCHEMA + ' ' + i);
}
log('end');
`;

let db: ConnectionInfo & { drop(): Promise<void> };
let ws: Workspace;
let config: ResolvedConfig;
const databases = ['a', 'b'];

beforeAll(async () => {
  db = await createTestDatabase();
  ws = createWorkspace();
  const services: Record<string, unknown> = {};
  for (const name of databases) {
    ws.write(`${name}/migrate.cjs`, MIGRATE);
    services[name] = {
      cwd: name,
      database: `${db.database}_${name}`,
      migrations: {
        tool: 'command',
        command: ['node', 'migrate.cjs'],
        tenants: ['one', 'two', 'three'],
        schema: `${name}_{tenant}`,
        env: { RUN_LOG: path.join(ws.dir, 'runs.log') },
      },
    };
  }
  // b depends on a, but in another database: its migrations need not wait for a's.
  (services.b as { dependsOn: string[] }).dependsOn = ['a'];
  config = ws.config({ project: `parallel_${db.database}`, services });
});

afterAll(async () => {
  await withClient({ ...db, database: 'postgres' }, async (c) => {
    for (const name of databases) await c.query(`drop database if exists "${db.database}_${name}" with (force)`);
  });
  await db?.drop();
  ws?.cleanup();
});

it('tool targets in different databases lose no output line, and each first tenant runs alone', async () => {
  const events: StepEvent[] = [];
  const result = await runMigrationStep(config, db, { onEvent: (e) => events.push(e) });
  expect(result.failure).toBeUndefined();
  expect(result.outcomes.map((o) => o.status)).toEqual(Array(6).fill('applied'));
  for (const name of databases) {
    for (const tenant of ['one', 'two', 'three']) {
      const schema = `${name}_${tenant}`;
      const lines = events.flatMap((e) => (e.type === 'output' && e.target.schema === schema ? [e.line] : []));
      const numbered = (stream: string, step: number) =>
        Array.from({ length: LINES / step }, (_, i) => `${stream} ${schema} ${(i + 1) * step}`);
      expect(lines.filter((l) => l.startsWith('out '))).toEqual(numbered('out', 1));
      expect(lines.filter((l) => l.startsWith('err '))).toEqual(numbered('err', 10));
      // Besides the tool's lines, only devup's own one naming what it runs.
      expect(lines.filter((l) => !/^(out|err) /.test(l))).toEqual([expect.stringMatching(/^devup: running /)]);
    }
  }
  const log = readFileSync(path.join(ws.dir, 'runs.log'), 'utf8').trim().split('\n');
  for (const name of databases) {
    const firstEnd = log.indexOf(`end ${name}_one`);
    expect(firstEnd).toBeGreaterThan(-1);
    for (const tenant of ['two', 'three']) expect(log.indexOf(`start ${name}_${tenant}`)).toBeGreaterThan(firstEnd);
  }
});
