import { describe, expect, it } from 'vitest';
import type { DatabaseSettings } from '../../../../src/config/types.js';
import { localConnection } from '../../../../src/database/connection/local-connection.js';

const db = (bind: string) =>
  ({ bind, port: 54320, user: 'devup', password: 'pw', database: 'shop' }) as unknown as DatabaseSettings;

describe('localConnection', () => {
  it('reaches a container on the address it is published on', () => {
    expect(localConnection('docker', db('127.0.0.2'))).toEqual({
      host: '127.0.0.2',
      port: 54320,
      user: 'devup',
      password: 'pw',
      database: 'shop',
    });
  });

  it('reaches a container published on every address through loopback', () => {
    expect(localConnection('docker', db('0.0.0.0')).host).toBe('127.0.0.1');
    expect(localConnection('docker', db('::')).host).toBe('127.0.0.1');
  });

  it('reaches the embedded cluster on loopback whatever the bind setting', () => {
    expect(localConnection('embedded', db('0.0.0.0')).host).toBe('127.0.0.1');
  });
});
