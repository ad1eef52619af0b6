import { describe, expect, it } from 'vitest';
import { toolAdapter } from '../../../src/migrations/tools/adapters.js';
import type { ToolSettings } from '../../../src/migrations/tools/tool-adapter.js';
import {
  programFromCommand,
  toolProgram,
  upgradeCommand,
  withArgs,
} from '../../../src/migrations/tools/tool-program.js';

const alembic = toolAdapter('alembic');
const context = { schema: 'auth_acme', migrationsDir: '/s/alembic/versions', cwd: '/s', root: '/', contexts: ['dev'] };
const settings = (over: Partial<ToolSettings> = {}): ToolSettings => ({
  kind: 'tool',
  tool: 'alembic',
  bootstrap: 'replay',
  command: undefined,
  program: undefined,
  cwd: '/s',
  dir: undefined,
  env: {},
  tenants: { kind: 'list', tenants: ['acme'] },
  schemaTemplate: 'auth_{tenant}',
  concurrency: 4,
  ...over,
});

describe('programFromCommand', () => {
  it('takes what precedes the apply step at the end of an argv command', () => {
    expect(
      programFromCommand({ argv: ['python3', '-m', 'alembic', 'upgrade', 'head'] }, alembic.upgradeSuffixes),
    ).toEqual({ argv: ['python3', '-m', 'alembic'] });
    expect(programFromCommand({ argv: ['alembic', '-x', 'a=b', 'upgrade', 'heads'] }, alembic.upgradeSuffixes)).toEqual(
      {
        argv: ['alembic', '-x', 'a=b'],
      },
    );
  });

  it('does the same for a shell string, whatever the spacing', () => {
    expect(programFromCommand({ shell: 'poetry run alembic upgrade   head ' }, alembic.upgradeSuffixes)).toEqual({
      shell: 'poetry run alembic',
    });
    expect(programFromCommand({ shell: 'cd db && dbmate up' }, toolAdapter('dbmate').upgradeSuffixes)).toEqual({
      shell: 'cd db && dbmate',
    });
  });

  it('gives up when the command does not end with the apply step, or is nothing else', () => {
    expect(programFromCommand({ argv: ['./migrate.sh'] }, alembic.upgradeSuffixes)).toBeUndefined();
    expect(programFromCommand({ shell: 'alembic upgrade head && ./seed.sh' }, alembic.upgradeSuffixes)).toBeUndefined();
    expect(programFromCommand({ argv: ['upgrade', 'head'] }, alembic.upgradeSuffixes)).toBeUndefined();
    expect(programFromCommand({ shell: 'myupgrade head' }, alembic.upgradeSuffixes)).toBeUndefined();
  });
});

describe('withArgs', () => {
  it('appends to argv as is, and to a shell string quoted', () => {
    expect(withArgs({ argv: ['alembic'] }, ['revision', '-m', "add user's bio"])).toEqual({
      argv: ['alembic', 'revision', '-m', "add user's bio"],
    });
    expect(withArgs({ shell: 'poetry run alembic' }, ['revision', '-m', "add user's bio"])).toEqual({
      shell: "poetry run alembic revision -m 'add user'\\''s bio'",
    });
  });
});

describe('toolProgram', () => {
  it('prefers migrations.program, then the command without its apply step, then the default', () => {
    const program = { argv: ['/usr/bin/python3', '-m', 'alembic'] };
    expect(toolProgram(alembic, settings({ program, command: { shell: 'x' } }), 'auth', context)).toEqual(program);
    expect(
      toolProgram(alembic, settings({ command: { shell: 'uv run alembic upgrade head' } }), 'auth', context),
    ).toEqual({ shell: 'uv run alembic' });
    expect(toolProgram(alembic, settings(), 'auth', context)).toEqual({ argv: ['alembic'] });
  });

  it('names the key to set when the command cannot be taken apart', () => {
    expect(() => toolProgram(alembic, settings({ command: { argv: ['./migrate.sh'] } }), 'auth', context)).toThrow(
      /services\.auth\.migrations\.command \(\.\/migrate\.sh\) does not end with "upgrade head" or "upgrade heads"/,
    );
    expect(() => toolProgram(alembic, settings({ command: { argv: ['./migrate.sh'] } }), 'auth', context)).toThrow(
      expect.objectContaining({ hint: expect.stringContaining('services.auth.migrations.program') }),
    );
  });
});

describe('upgradeCommand', () => {
  it('is the command when set, else the program followed by the apply step', () => {
    expect(upgradeCommand(alembic, settings({ command: { argv: ['x'] } }), 'auth', context)).toEqual({ argv: ['x'] });
    expect(
      upgradeCommand(alembic, settings({ program: { argv: ['python3', '-m', 'alembic'] } }), 'auth', context),
    ).toEqual({ argv: ['python3', '-m', 'alembic', 'upgrade', 'head'] });
    expect(upgradeCommand(alembic, settings(), 'auth', context)).toEqual({ argv: ['alembic', 'upgrade', 'head'] });
  });
});
