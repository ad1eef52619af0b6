import { existsSync, readdirSync, readFileSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashFiles, hashRows } from '../../../src/migrations/tools/content-hash.js';
import { listDir, memoBySignature } from '../../../src/migrations/tools/file-listing.js';
import {
  FINGERPRINT_FILE,
  fingerprintKey,
  forgetFingerprint,
  readFingerprint,
  recordFingerprint,
  type ToolFingerprint,
} from '../../../src/migrations/tools/fingerprint-store.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';

const workspaces: Workspace[] = [];
const workspace = (files: Record<string, string>) => {
  const ws = createWorkspace(files);
  workspaces.push(ws);
  return ws;
};
afterEach(() => {
  for (const ws of workspaces.splice(0)) ws.cleanup();
});

const all = (dir: string, exclude: string[] = []) => listDir(dir, { recursive: true, include: () => true, exclude });

describe('hashFiles', () => {
  it('is the same for the same files wherever the directory is, whatever the listing order', () => {
    const a = workspace({ 'm/b.xml': 'two', 'm/a.xml': 'one', 'm/sub/c.xml': 'three' });
    const b = workspace({ 'm/sub/c.xml': 'three', 'm/a.xml': 'one', 'm/b.xml': 'two' });
    const files = all(`${a.dir}/m`).files;
    expect(hashFiles(files)).toBe(hashFiles(all(`${b.dir}/m`).files));
    expect(hashFiles([...files].reverse())).toBe(hashFiles(files));
  });

  it('changes with a file content, a rename, an added or a removed file', () => {
    const ws = workspace({ 'm/a.sql': 'one', 'm/b.sql': 'two' });
    const base = hashFiles(all(`${ws.dir}/m`).files);
    ws.write('m/a.sql', 'ONE');
    const edited = hashFiles(all(`${ws.dir}/m`).files);
    expect(edited).not.toBe(base);
    ws.write('m/a.sql', 'one');
    expect(hashFiles(all(`${ws.dir}/m`).files)).toBe(base);
    ws.remove('m/b.sql');
    ws.write('m/c.sql', 'two');
    expect(hashFiles(all(`${ws.dir}/m`).files)).not.toBe(base);
  });

  it('notices an edit that keeps the size, through the file times', () => {
    const ws = workspace({ 'm/a.sql': 'aaa' });
    const before = hashFiles(all(`${ws.dir}/m`).files);
    const file = ws.write('m/a.sql', 'bbb');
    // Same size; force a different mtime in case the write landed in the same tick.
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(hashFiles(all(`${ws.dir}/m`).files)).not.toBe(before);
  });
});

describe('listDir', () => {
  it('skips node_modules, .git, __pycache__, compiled and log files, and the state directory', () => {
    const ws = workspace({
      'a.xml': '',
      'node_modules/x/index.js': '',
      '.git/HEAD': '',
      'db/__pycache__/x.pyc': '',
      'db/x.pyc': '',
      'service.log': '',
      'state/tool-fingerprints.json': '{}',
      'db/changelog.xml': '',
    });
    const snapshot = all(ws.dir, [path.join(ws.dir, 'state')]);
    expect(snapshot.files.map((f) => f.relative)).toEqual(['a.xml', 'db/changelog.xml']);
  });

  it('reports a missing directory', () => {
    const ws = workspace({});
    expect(all(`${ws.dir}/nope`)).toMatchObject({ exists: false, files: [] });
  });

  it('gives a new signature when a file is added', () => {
    const ws = workspace({ 'm/a.sql': '' });
    const first = all(`${ws.dir}/m`).signature;
    expect(all(`${ws.dir}/m`).signature).toBe(first);
    ws.write('m/b.sql', '');
    expect(all(`${ws.dir}/m`).signature).not.toBe(first);
  });
});

describe('memoBySignature', () => {
  it('computes once per signature', () => {
    let calls = 0;
    const compute = () => ++calls;
    expect(memoBySignature('k', 's1', compute)).toBe(1);
    expect(memoBySignature('k', 's1', compute)).toBe(1);
    expect(memoBySignature('k', 's2', compute)).toBe(2);
  });
});

describe('hashRows', () => {
  it('depends on values and order, not on key order', () => {
    const a = hashRows([{ id: '1', author: 'x' }]);
    expect(hashRows([{ author: 'x', id: '1' }])).toBe(a);
    expect(hashRows([{ id: '1', author: 'y' }])).not.toBe(a);
    expect(hashRows([{ id: '1', md5sum: null }])).not.toBe(hashRows([{ id: '1', md5sum: '' }]));
  });
});

describe('fingerprint store', () => {
  const fingerprint: ToolFingerprint = {
    tool: 'liquibase',
    files: 'f',
    history: 'h',
    identity: 'i',
    recordedAt: 'now',
  };

  it('keys by database, schema and service', () => {
    expect(fingerprintKey({ service: 'auth', tenant: 'acme', schema: 'auth_acme', database: undefined })).toBe(
      '/auth_acme/auth',
    );
    expect(fingerprintKey({ service: 'auth', tenant: 'acme', schema: 'auth_acme', database: 'own' })).toBe(
      'own/auth_acme/auth',
    );
  });

  it('records, reads back and forgets, leaving no temporary file', () => {
    const ws = workspace({});
    const stateDir = path.join(ws.dir, '.devup');
    expect(readFingerprint(stateDir, 'a')).toBeUndefined();
    recordFingerprint(stateDir, 'a', fingerprint);
    recordFingerprint(stateDir, 'b', { ...fingerprint, files: 'g' });
    expect(readFingerprint(stateDir, 'a')).toEqual(fingerprint);
    expect(readFingerprint(stateDir, 'b')?.files).toBe('g');
    forgetFingerprint(stateDir, 'a');
    expect(readFingerprint(stateDir, 'a')).toBeUndefined();
    expect(readdirSync(stateDir)).toEqual([FINGERPRINT_FILE]);
    expect(JSON.parse(readFileSync(path.join(stateDir, FINGERPRINT_FILE), 'utf8')).version).toBe(1);
  });

  it('treats a corrupt file as empty', () => {
    const ws = workspace({ [`.devup/${FINGERPRINT_FILE}`]: '{not json' });
    expect(readFingerprint(path.join(ws.dir, '.devup'), 'a')).toBeUndefined();
    recordFingerprint(path.join(ws.dir, '.devup'), 'a', fingerprint);
    expect(existsSync(path.join(ws.dir, '.devup', FINGERPRINT_FILE))).toBe(true);
    expect(readFingerprint(path.join(ws.dir, '.devup'), 'a')).toEqual(fingerprint);
  });
});
