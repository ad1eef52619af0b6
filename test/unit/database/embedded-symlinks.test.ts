import { existsSync, readlinkSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { restoreLibrarySymlinks } from '../../../src/database/embedded/binaries.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

it('restores the shared-library symlinks that a skipped postinstall would have made', () => {
  ws = createWorkspace({
    'native/lib/libicuuc.so.60.2': 'binary',
    'native/pg-symlinks.json': JSON.stringify([
      { source: 'native/lib/libicuuc.so.60.2', target: 'native/lib/libicuuc.so.60' },
      { source: 'native/lib/libicuuc.so.60.2', target: 'native/lib/libicuuc.so' },
    ]),
  });
  restoreLibrarySymlinks(ws.dir);
  expect(readlinkSync(`${ws.dir}/native/lib/libicuuc.so.60`)).toBe('libicuuc.so.60.2');
  expect(existsSync(`${ws.dir}/native/lib/libicuuc.so`)).toBe(true);
  restoreLibrarySymlinks(ws.dir); // idempotent
});
