import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServiceSettings } from '../../../src/config/types.js';
import { UserError } from '../../../src/errors.js';
import { buildServiceEnv } from '../../../src/services/service-env.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'devup-env-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const settings = (overrides: Partial<ServiceSettings>) =>
  ({ name: 'api', env: {}, envFile: undefined, port: undefined, ...overrides }) as ServiceSettings;

describe('buildServiceEnv', () => {
  it('layers .env < process env < devup < envFile < service env < PORT', async () => {
    const envFile = path.join(dir, 'api.env');
    writeFileSync(envFile, 'D=envFile\nE=envFile\n# a comment\nQUOTED="a b"\n');
    const env = await buildServiceEnv(settings({ envFile, env: { E: 'config', F: 'config', PORT: '1' }, port: 4001 }), {
      inherited: { A: 'inherited', B: 'inherited', G: 'inherited', UNSET: undefined },
      devup: { B: 'devup', C: 'devup', DATABASE_URL: 'postgres://x' },
      dotenv: { C: 'dotenv', D: 'dotenv', G: 'dotenv', H: 'dotenv', DATABASE_URL: 'postgres://app-elsewhere' },
      color: false,
    });
    expect(env).toEqual({
      A: 'inherited',
      B: 'devup',
      C: 'devup',
      G: 'inherited',
      H: 'dotenv',
      D: 'envFile',
      E: 'config',
      F: 'config',
      QUOTED: 'a b',
      DATABASE_URL: 'postgres://x',
      PORT: '4001',
      NO_COLOR: '1',
    });
  });

  it('tells children to keep their colours when the log is coloured, and to drop them otherwise', async () => {
    const inherited = { FORCE_COLOR: '0', NO_COLOR: '1' };
    const coloured = await buildServiceEnv(settings({}), { inherited, devup: {}, dotenv: {}, color: true });
    expect(coloured).toMatchObject({ FORCE_COLOR: '1' });
    expect(coloured.NO_COLOR).toBeUndefined();
    const plain = await buildServiceEnv(settings({}), { inherited, devup: {}, dotenv: {}, color: false });
    expect(plain).toMatchObject({ NO_COLOR: '1' });
    expect(plain.FORCE_COLOR).toBeUndefined();
  });

  it('lets the project override the colour hints', async () => {
    const env = await buildServiceEnv(settings({ env: { FORCE_COLOR: '3' } }), {
      inherited: {},
      devup: {},
      dotenv: {},
      color: false,
    });
    expect(env.FORCE_COLOR).toBe('3');
  });

  it('names the setting when the env file cannot be read', async () => {
    const error = await buildServiceEnv(settings({ envFile: path.join(dir, 'missing.env') }), {
      inherited: {},
      devup: {},
      dotenv: {},
      color: false,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).hint).toContain('services.api.envFile');
  });
});
