import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { MigrationWatcher } from '../../../src/services/migration-watcher.js';

let tmp: string;
let watcher: MigrationWatcher | undefined;
let batches: string[][];
let nextBatch: (() => void) | undefined;

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'devup-watch-'));
  for (const dir of ['auth', 'ingestion']) mkdirSync(path.join(tmp, dir));
  batches = [];
});

afterEach(async () => {
  await watcher?.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function start(): Promise<void> {
  watcher = await MigrationWatcher.start(
    [
      { service: 'auth', dir: path.join(tmp, 'auth') },
      { service: 'ingestion', dir: path.join(tmp, 'ingestion') },
    ],
    {
      onChange: (services) => {
        batches.push(services);
        nextBatch?.();
      },
      onError: (error) => {
        throw error;
      },
    },
  );
}

/** Resolves with the next batch the watcher reports (no time bound: it comes, or the test hangs visibly). */
function batch(): Promise<string[]> {
  const seen = batches.length;
  return new Promise((resolve) => {
    const check = () => {
      if (batches.length > seen) resolve(batches[seen] as string[]);
    };
    nextBatch = check;
    check();
  });
}

it("reports an editor's atomic save (temp file renamed into place) once, as the service's change", async () => {
  await start();
  const next = batch();
  const temporary = path.join(tmp, 'auth', '.0007_add_locale.sql.tmp');
  writeFileSync(temporary, 'alter table users add column locale text;\n');
  renameSync(temporary, path.join(tmp, 'auth', '0007_add_locale.sql'));
  expect(await next).toEqual(['auth']);
});

it('ignores scratch files: only the real save in the other directory is reported', async () => {
  await start();
  const next = batch();
  for (const name of ['4913', '.0001.sql.swp', '0001.sql~', '#0001.sql#']) {
    writeFileSync(path.join(tmp, 'auth', name), 'x');
    unlinkSync(path.join(tmp, 'auth', name));
  }
  writeFileSync(path.join(tmp, 'ingestion', '0002_sources.sql'), 'select 1;\n');
  expect(await next).toEqual(['ingestion']);
});

it('sees files in subdirectories created after the start', async () => {
  await start();
  mkdirSync(path.join(tmp, 'auth', 'v2'));
  // The new directory itself is a change; wait for it, then for the file inside.
  await batch();
  const next = batch();
  writeFileSync(path.join(tmp, 'auth', 'v2', '0001.sql'), 'select 1;\n');
  expect(await next).toEqual(['auth']);
});
