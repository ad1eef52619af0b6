import { expect, it } from 'vitest';
import { StatementStats } from '../../../src/dashboard/statement-stats.js';

it('hides the slowest statements for an external server, saying why, without connecting', async () => {
  // Port 1 answers nothing: a connection attempt would fail the test.
  const stats = new StatementStats('external', { host: '127.0.0.1', port: 1, user: 'x', password: 'x', database: 'x' });
  expect(await stats.read(['x'])).toEqual({
    shown: false,
    reason: 'devup does not run this server (external): it turns nothing on there.',
  });
});
