import { FakeClock } from '../../test/support/fake-clock';
import { DeadlineTimer } from './deadline-timer';

describe('DeadlineTimer', () => {
  it('runs at the earliest deadline and sleeps again until the next one', () => {
    const clock = new FakeClock(0);
    const deadlines = [100, 250];
    const ran: number[] = [];
    const timer = new DeadlineTimer(
      clock,
      () => deadlines[0],
      () => {
        while (deadlines[0] !== undefined && deadlines[0] <= clock.now()) deadlines.shift();
        ran.push(clock.now());
      },
    );
    timer.poke();
    clock.advance(99);
    expect(ran).toEqual([]);
    clock.advance(1000);
    expect(ran).toEqual([100, 250]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('moves forward to an earlier deadline on poke, and keeps one timer', () => {
    const clock = new FakeClock(0);
    let deadline: number | undefined = 500;
    const ran: number[] = [];
    const timer = new DeadlineTimer(
      clock,
      () => deadline,
      () => {
        ran.push(clock.now());
        deadline = undefined;
      },
    );
    timer.poke();
    deadline = 200;
    timer.poke();
    deadline = 300; // later: the armed timer fires early and finds it not due
    timer.poke();
    clock.advance(250);
    expect(ran).toEqual([200]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('never runs after stop', () => {
    const clock = new FakeClock(0);
    let runs = 0;
    const timer = new DeadlineTimer(
      clock,
      () => 10,
      () => runs++,
    );
    timer.poke();
    timer.stop();
    timer.poke();
    clock.advance(100);
    expect(runs).toBe(0);
  });

  it('does not run again at once a deadline that stayed due, but retries it after the delay', () => {
    const clock = new FakeClock(0);
    const ran: number[] = [];
    const timer = new DeadlineTimer(
      clock,
      () => 100, // never handled: onDue keeps failing
      () => {
        ran.push(clock.now());
        throw new Error('cannot handle it');
      },
      1000,
    );
    timer.poke();
    expect(() => clock.advance(100)).toThrow('cannot handle it');
    expect(ran).toEqual([100]);
    timer.poke(); // the stuck deadline does not re-arm the timer at once
    clock.advance(999);
    expect(ran).toEqual([100]);
    expect(() => clock.advance(1)).toThrow('cannot handle it');
    expect(ran).toEqual([100, 1100]);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('retries after the delay a deadline that onDue returned from without handling', () => {
    const clock = new FakeClock(0);
    let deadline: number | undefined = 100;
    const ran: number[] = [];
    const timer = new DeadlineTimer(
      clock,
      () => deadline,
      () => {
        ran.push(clock.now());
        if (clock.now() >= 2100) deadline = undefined;
      },
      1000,
    );
    timer.poke();
    clock.advance(5000);
    expect(ran).toEqual([100, 1100, 2100]);
    expect(clock.pendingTimers()).toBe(0);
  });
});
