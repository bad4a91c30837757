import { FakeClock } from '../../test/support/fake-clock';
import { LiveConnection, WsHeartbeat } from './ws-heartbeat';

const INTERVAL_MS = 15_000;

/** A connection that answers pings or not, and records how it ended. */
class FakeConnection implements LiveConnection {
  unansweredPings = 0;
  pings = 0;
  terminated = false;

  constructor(private readonly answers: boolean) {}

  ping(): void {
    this.pings++;
    this.unansweredPings = this.answers ? 0 : this.unansweredPings + 1;
  }

  terminate(): void {
    this.terminated = true;
  }
}

describe('WebSocket heartbeat', () => {
  let clock: FakeClock;
  let heartbeat: WsHeartbeat<FakeConnection>;

  beforeEach(() => {
    clock = new FakeClock();
    heartbeat = new WsHeartbeat(clock, INTERVAL_MS);
  });

  it('pings every connection once per interval', () => {
    const a = new FakeConnection(true);
    const b = new FakeConnection(true);
    heartbeat.add(a);
    heartbeat.add(b);
    clock.advance(INTERVAL_MS - 1);
    expect([a.pings, b.pings]).toEqual([0, 0]);
    clock.advance(1);
    expect([a.pings, b.pings]).toEqual([1, 1]);
    clock.advance(INTERVAL_MS * 3);
    expect([a.pings, b.pings]).toEqual([4, 4]);
    expect(a.terminated || b.terminated).toBe(false);
  });

  it('closes a connection that missed two pongs, and only that one', () => {
    const silent = new FakeConnection(false);
    const alive = new FakeConnection(true);
    heartbeat.add(silent);
    heartbeat.add(alive);
    clock.advance(INTERVAL_MS * 2); // two pings, both unanswered
    expect(silent.terminated).toBe(false);
    clock.advance(INTERVAL_MS);
    expect(silent.terminated).toBe(true);
    expect(silent.pings).toBe(2);
    expect(heartbeat.tracked()).toEqual([alive]);
    clock.advance(INTERVAL_MS * 5);
    expect(alive.terminated).toBe(false);
  });

  it('keeps a connection whose pong came late but before the second miss', () => {
    const late = new FakeConnection(false);
    heartbeat.add(late);
    clock.advance(INTERVAL_MS * 2);
    late.unansweredPings = 0; // a pong arrives
    clock.advance(INTERVAL_MS * 2);
    expect(late.terminated).toBe(false);
    clock.advance(INTERVAL_MS);
    expect(late.terminated).toBe(true);
  });

  it('keeps no timer without connections, and none after stop', () => {
    expect(clock.pendingTimers()).toBe(0);
    const a = new FakeConnection(true);
    heartbeat.add(a);
    expect(clock.pendingTimers()).toBe(1);
    heartbeat.remove(a);
    clock.advance(INTERVAL_MS);
    expect(clock.pendingTimers()).toBe(0);
    heartbeat.add(a);
    heartbeat.stop();
    expect(clock.pendingTimers()).toBe(0);
    heartbeat.add(new FakeConnection(true));
    clock.advance(INTERVAL_MS * 3);
    expect(a.pings).toBe(0);
  });
});
