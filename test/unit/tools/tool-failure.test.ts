import { describe, expect, it } from 'vitest';
import { alembic } from '../../../src/migrations/tools/alembic.js';
import type { ToolSettings } from '../../../src/migrations/tools/tool-adapter.js';
import { toolFailure } from '../../../src/migrations/tools/tool-invocation.js';

const settings = { tool: 'alembic', cwd: '/srv/auth', dir: undefined, env: {} } as unknown as ToolSettings;
const invocation = { adapter: alembic, settings, serviceCwd: '/srv/auth', mask: (text: string) => text };
const target = { service: 'auth', tenant: 'acme', schema: 'auth_acme', database: undefined };
const notFound = (line: string) => ({
  failed: true,
  exitCode: 127,
  notFound: true,
  canceled: false,
  message: '',
  tail: [line],
});

describe('a missing program', () => {
  it('through uv: the way to get uv, not pip install alembic', () => {
    const error = toolFailure(
      invocation,
      target,
      { shell: 'uv run alembic upgrade head' },
      notFound('sh: 1: uv: not found'),
      '/srv',
    );
    expect(error.message).toBe('uv not found: cannot run alembic for auth (tenant acme, schema auth_acme)');
    expect(error.hint).toMatch(
      /^uv is not installed: install it \(pipx install uv, or the installer from docs\.astral\.sh\/uv\), then `uv sync` in the service; or set migrations\.command/,
    );
    expect(error.hint).not.toContain('pip install alembic');
  });

  it("the tool itself: the tool's install line", () => {
    const error = toolFailure(
      invocation,
      target,
      { argv: ['alembic', 'upgrade', 'head'] },
      notFound('spawn alembic ENOENT'),
      '/srv',
    );
    expect(error.hint).toContain('pip install alembic psycopg2-binary');
  });

  it('another program: the command to check', () => {
    const error = toolFailure(
      invocation,
      target,
      { shell: 'make migrate' },
      notFound('sh: 1: make: not found'),
      '/srv',
    );
    expect(error.hint).toMatch(/^make is what migrations\.command starts: install it, or change migrations\.command\./);
  });
});
