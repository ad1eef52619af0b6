import { expect, it } from 'vitest';
import { isConnectionLost, serverErrorHint } from '../../../../src/database/connection/server-errors.js';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

it('gives each kind of server error its own hint, and none to an error in the SQL itself', () => {
  expect(serverErrorHint(pgError('53100'))).toMatch(/disk is full/);
  expect(serverErrorHint(pgError('42501'))).toMatch(/privilege/);
  expect(serverErrorHint(pgError('22003'))).toMatch(/out of range/);
  expect(serverErrorHint(pgError('08P01'))).toMatch(/NUL byte/);
  expect(serverErrorHint(pgError('40P01'))).toMatch(/run again/);
  expect(serverErrorHint(pgError('42P01'))).toBeUndefined();
  expect(serverErrorHint(pgError('23505'))).toBeUndefined();
});

it('knows a lost connection by SQLSTATE, socket code or pg message', () => {
  expect(isConnectionLost(pgError('57P01'))).toBe(true);
  expect(isConnectionLost(pgError('ECONNRESET'))).toBe(true);
  expect(isConnectionLost(new Error('Client has encountered a connection error and is not queryable'))).toBe(true);
  expect(isConnectionLost(new Error('Connection terminated unexpectedly'))).toBe(true);
  expect(isConnectionLost(pgError('08P01'))).toBe(false);
  expect(isConnectionLost(pgError('42P01'))).toBe(false);
});
