import { backoffDelayMs, sleep } from '../src/backoff';

describe('backoffDelayMs', () => {
  it('grows exponentially from initialMs up to maxMs, jittered within the upper half', () => {
    const options = { initialMs: 100, maxMs: 1000 };
    const ceilings = [100, 200, 400, 800, 1000, 1000];
    ceilings.forEach((ceiling, attempt) => {
      expect(backoffDelayMs(attempt, options, () => 0)).toBe(ceiling / 2);
      expect(backoffDelayMs(attempt, options, () => 0.999999)).toBe(ceiling);
    });
  });

  it('spreads clients that failed together over the interval', () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    const delays = new Set(Array.from({ length: 50 }, () => backoffDelayMs(3, {}, random)));
    expect(delays.size).toBeGreaterThan(25);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(400);
      expect(d).toBeLessThanOrEqual(800);
    }
  });
});

describe('sleep', () => {
  it('ends at once when its signal aborts', async () => {
    const controller = new AbortController();
    const slept = sleep(3_600_000, controller.signal);
    controller.abort();
    await expect(slept).resolves.toBeUndefined();
  });
});
