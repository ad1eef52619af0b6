import { chmodSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { pythonOf } from '../../../src/check/alembic-drift.js';
import { createWorkspace, type Workspace } from '../../helpers/workspace.js';

let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

it('takes the Python from what precedes -m alembic, in argv or shell form', () => {
  expect(pythonOf({ argv: ['/usr/bin/python3', '-m', 'alembic'] }, undefined, {}, '/')).toEqual({
    argv: ['/usr/bin/python3'],
  });
  expect(pythonOf({ argv: ['poetry', 'run', 'python', '-m', 'alembic'] }, undefined, {}, '/')).toEqual({
    argv: ['poetry', 'run', 'python'],
  });
  expect(pythonOf({ shell: 'uv run python -m alembic' }, undefined, {}, '/')).toEqual({ shell: 'uv run python' });
});

it('check.python wins; a shell command without -m alembic says nothing', () => {
  expect(pythonOf({ argv: ['alembic'] }, '.venv/bin/python', {}, '/')).toEqual({ argv: ['.venv/bin/python'] });
  expect(pythonOf({ shell: 'poetry run alembic' }, undefined, {}, '/')).toBeUndefined();
});

it("reads a virtualenv's alembic script for its interpreter, and not a shell wrapper's", () => {
  ws = createWorkspace();
  const script = ws.write('.venv/bin/alembic', '#!/srv/app/.venv/bin/python3\nfrom alembic.config import main\n');
  const wrapper = ws.write('bin/alembic', '#!/bin/sh\nexec python3 -m alembic "$@"\n');
  chmodSync(script, 0o755);
  chmodSync(wrapper, 0o755);
  const env = { PATH: `${ws.dir}/.venv/bin` };
  expect(pythonOf({ argv: ['alembic'] }, undefined, env, ws.dir)).toEqual({ argv: ['/srv/app/.venv/bin/python3'] });
  expect(pythonOf({ argv: [wrapper] }, undefined, env, ws.dir)).toBeUndefined();
});
