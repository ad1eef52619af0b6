import { expect, it } from 'vitest';
import { maskEnvironment } from '../../../src/dashboard/mask-env.js';

it('masks secrets by name, passwords inside URLs and command lines, and the devup password anywhere', () => {
  const masked = maskEnvironment(
    {
      API_TOKEN: 'abc123',
      STRIPE_SECRET: 'sk_live',
      DATABASE_URL: 'postgresql://devup:s3cr3t-pw@127.0.0.1:5432/app',
      REDIS_URL: 'redis://default:hunter2@localhost:6379',
      WORKER_CMD: 'worker --broker amqp://guest:guestpw@mq:5672/ --verbose',
      NOTE: 'uses s3cr3t-pw as well',
      PORT: '4001',
      EMPTY_PASSWORD: '',
    },
    's3cr3t-pw',
  );
  expect(masked).toEqual({
    API_TOKEN: '****',
    DATABASE_URL: 'postgresql://devup:****@127.0.0.1:5432/app',
    EMPTY_PASSWORD: '',
    NOTE: 'uses **** as well',
    PORT: '4001',
    REDIS_URL: 'redis://default:****@localhost:6379',
    STRIPE_SECRET: '****',
    WORKER_CMD: 'worker --broker amqp://guest:****@mq:5672/ --verbose',
  });
  expect(Object.keys(masked)).toEqual(Object.keys(masked).sort());
});
