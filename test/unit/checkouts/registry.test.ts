import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { registeredCheckouts } from '../../../src/app/environments.js';
import {
  type CheckoutEntry,
  firstCheckout,
  readRegistry,
  registryFile,
  updateRegistry,
} from '../../../src/checkouts/registry.js';

let dir: string;
let home: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'devup-registry-'));
  home = path.join(dir, 'state');
  mkdirSync(home);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function entry(root: string, database: number, first: boolean): CheckoutEntry {
  return {
    project: 'shop',
    configPath: path.join(root, 'devup.config.json'),
    stateDir: path.join(root, '.devup'),
    first,
    ports: { database, services: { api: database + 1 } },
    dockerName: first ? 'shop' : `shop-${database}`,
    dataDir: path.join(root, '.devup', 'postgres'),
  };
}

/** A checkout directory, with the record a moved checkout keeps of its own ports. */
function checkoutDir(name: string, moved?: CheckoutEntry): string {
  const root = path.join(dir, name);
  mkdirSync(path.join(root, '.devup'), { recursive: true });
  if (moved) {
    const record = { root, project: 'shop', configured: { database: 5432, services: { api: 5433 } }, offset: 100 };
    writeFileSync(
      path.join(root, '.devup', 'checkout.json'),
      JSON.stringify({ ...record, ports: moved.ports, dockerName: moved.dockerName }),
    );
  }
  return root;
}

const backups = () => readdirSync(home).filter((name) => name.startsWith('checkouts.json.damaged-'));

it.each([
  ['{"checkouts":null}', '{"checkouts":null}'],
  ['version 1, checkouts null', '{"version":1,"checkouts":null}'],
  ['checkouts: [1,2]', '{"version":1,"checkouts":[1,2]}'],
  ['an entry of the wrong shape', '{"version":1,"checkouts":{"/x":{"project":"shop","first":true,"ports":7}}}'],
])('%s: every reader gets a usable list, none crashes', (_name, text) => {
  writeFileSync(registryFile(home), text);
  expect(readRegistry(home)).toEqual({ version: 1, checkouts: {} });
  expect(firstCheckout(readRegistry(home), 'shop')).toBeUndefined();
  expect(registeredCheckouts({ DEVUP_STATE_HOME: home })).toEqual([]);
});

it('a truncated list is backed up, its whole entries kept, the lost one rebuilt from its checkout.json, in one warning', async () => {
  const first = checkoutDir('first');
  const second = checkoutDir('second');
  const third = checkoutDir('third', entry(path.join(dir, 'third'), 5632, false));
  const whole = {
    version: 1,
    checkouts: {
      [first]: entry(first, 5432, true),
      [second]: entry(second, 5532, false),
      [third]: entry(third, 5632, false),
    },
  };
  const text = JSON.stringify(whole, null, 2);
  // Cut inside the third entry: a write that was interrupted (or a disk that filled up).
  const truncated = text.slice(0, text.indexOf('"dockerName": "shop-5632"'));
  writeFileSync(registryFile(home), truncated);

  const warnings: string[] = [];
  await updateRegistry(
    home,
    () => {},
    (message) => warnings.push(message),
  );
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(
    /^The list of checkouts on this machine \(.*checkouts\.json\) was damaged \(not JSON \(truncated\?\)\): kept 2 entries, rebuilt 1 from the checkouts' \.devup\/checkout\.json; the old file is checkouts\.json\.damaged-/,
  );
  expect(backups()).toHaveLength(1);
  expect(readFileSync(path.join(home, backups()[0] ?? ''), 'utf8')).toBe(truncated);
  const repaired = readRegistry(home).checkouts;
  expect(Object.keys(repaired).sort()).toEqual([first, second, third].sort());
  expect(repaired[first]).toEqual(whole.checkouts[first]);
  expect(repaired[second]).toEqual(whole.checkouts[second]);
  expect(repaired[third]).toMatchObject({ project: 'shop', first: false, ports: { database: 5632 } });
  expect(firstCheckout(readRegistry(home), 'shop')).toBe(first);

  // Mended: the next update says nothing and keeps no second copy.
  await updateRegistry(
    home,
    () => {},
    (message) => warnings.push(message),
  );
  expect(warnings).toHaveLength(1);
  expect(backups()).toHaveLength(1);
});

it('a list with one wrong entry keeps the others and rebuilds the wrong one from its record', async () => {
  const first = checkoutDir('first');
  const moved = checkoutDir('moved', entry(path.join(dir, 'moved'), 5532, false));
  writeFileSync(
    registryFile(home),
    JSON.stringify({
      version: 1,
      checkouts: { [first]: entry(first, 5432, true), [moved]: { stateDir: path.join(moved, '.devup'), ports: 'x' } },
    }),
  );
  const warnings: string[] = [];
  await updateRegistry(
    home,
    () => {},
    (message) => warnings.push(message),
  );
  expect(warnings).toEqual([expect.stringContaining('(1 entry of the wrong shape): kept 1 entry, rebuilt 1 from')]);
  expect(readRegistry(home).checkouts[moved]?.ports).toEqual({ database: 5532, services: { api: 5533 } });
});
