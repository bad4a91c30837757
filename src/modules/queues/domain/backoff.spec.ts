import { backoffDelayMs } from './backoff';

describe('backoffDelayMs', () => {
  it('applies no delay without a policy', () => {
    expect(backoffDelayMs({ kind: 'none' }, 3)).toBe(0);
  });

  it('takes the n-th entry of a schedule and repeats the last one', () => {
    const policy = { kind: 'schedule', delaysMs: [1000, 5000, 30000] } as const;
    expect([1, 2, 3, 4, 9].map((n) => backoffDelayMs(policy, n))).toEqual([
      1000, 5000, 30000, 30000, 30000,
    ]);
  });

  it('grows exponentially up to the cap', () => {
    const policy = { kind: 'exponential', initialMs: 100, multiplier: 2, maxMs: 500 } as const;
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(policy, n))).toEqual([
      100, 200, 400, 500, 500,
    ]);
  });
});
