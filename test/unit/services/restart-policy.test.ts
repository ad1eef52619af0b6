import { describe, expect, it } from 'vitest';
import { describeExit, RestartPolicy } from '../../../src/services/restart-policy.js';

const crash = { code: 1, signal: null };

describe('RestartPolicy', () => {
  it('on-failure: restarts with doubling delays, then gives up after 5 restarts within the window', () => {
    const policy = new RestartPolicy('on-failure');
    const delays = [0, 1, 2, 3, 4].map((i) => policy.decide(crash, i * 1_000));
    expect(delays).toEqual([
      { action: 'restart', attempt: 1, delayMs: 250 },
      { action: 'restart', attempt: 2, delayMs: 500 },
      { action: 'restart', attempt: 3, delayMs: 1_000 },
      { action: 'restart', attempt: 4, delayMs: 2_000 },
      { action: 'restart', attempt: 5, delayMs: 4_000 },
    ]);
    expect(policy.decide(crash, 5_000)).toEqual({
      action: 'give-up',
      reason: 'crashed again after 5 restarts within 60 s',
    });
  });

  it('caps the delay', () => {
    const policy = new RestartPolicy('on-failure', { maxRestarts: 10 });
    const last = Array.from({ length: 8 }, (_, i) => policy.decide(crash, i)).at(-1);
    expect(last).toEqual({ action: 'restart', attempt: 8, delayMs: 8_000 });
  });

  it('forgets restarts older than the window, so backoff starts afresh', () => {
    const policy = new RestartPolicy('on-failure', { windowMs: 10_000 });
    for (let i = 0; i < 5; i++) policy.decide(crash, i);
    expect(policy.decide(crash, 20_000)).toEqual({ action: 'restart', attempt: 1, delayMs: 250 });
  });

  it('treats death by a signal as a crash', () => {
    const policy = new RestartPolicy('on-failure');
    expect(policy.decide({ code: null, signal: 'SIGSEGV' }, 0)).toMatchObject({ action: 'restart' });
  });

  it('never restarts a clean exit', () => {
    expect(new RestartPolicy('on-failure').decide({ code: 0, signal: null }, 0)).toEqual({ action: 'stay-exited' });
  });

  it('restart "no": a crash means giving up at once', () => {
    expect(new RestartPolicy('no').decide(crash, 0)).toEqual({ action: 'give-up', reason: 'restart is "no"' });
  });
});

describe('describeExit', () => {
  it('says how the process ended', () => {
    expect(describeExit({ code: 3, signal: null })).toBe('exited with code 3');
    expect(describeExit({ code: null, signal: 'SIGKILL' })).toBe('was killed by SIGKILL');
  });
});
