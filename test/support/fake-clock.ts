import { Clock, ScheduledTimer } from '../../src/common/clock';

interface PendingTimer {
  dueAtMs: number;
  sequence: number;
  callback: () => unknown;
  cancelled: boolean;
}

/** A clock that only moves when a test calls `advance`; due timers run in deadline order. */
export class FakeClock extends Clock {
  private currentMs: number;
  private sequence = 0;
  private timers: PendingTimer[] = [];

  constructor(startMs = 1_763_800_000_000) {
    super();
    this.currentMs = startMs;
  }

  override now(): number {
    return this.currentMs;
  }

  override schedule(delayMs: number, callback: () => unknown): ScheduledTimer {
    const timer: PendingTimer = {
      dueAtMs: this.currentMs + Math.max(0, delayMs),
      sequence: this.sequence++,
      callback,
      cancelled: false,
    };
    this.timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way. */
  advance(ms: number): void {
    const targetMs = this.currentMs + ms;
    for (let due = this.takeDue(targetMs); due; due = this.takeDue(targetMs)) void due.callback();
    this.currentMs = targetMs;
  }

  /**
   * Like `advance`, but awaits the work each due timer returns (a retention pass) before the
   * next timer runs, so that timers a callback schedules when its work is done run on the way.
   */
  async advanceAsync(ms: number): Promise<void> {
    const targetMs = this.currentMs + ms;
    for (let due = this.takeDue(targetMs); due; due = this.takeDue(targetMs)) await due.callback();
    this.currentMs = targetMs;
  }

  /** The next timer due by `targetMs`, taken off the queue with the clock moved to its time. */
  private takeDue(targetMs: number): PendingTimer | undefined {
    this.timers = this.timers.filter((t) => !t.cancelled);
    const due = this.timers
      .filter((t) => t.dueAtMs <= targetMs)
      .sort((a, b) => a.dueAtMs - b.dueAtMs || a.sequence - b.sequence)[0];
    if (due) {
      this.currentMs = Math.max(this.currentMs, due.dueAtMs);
      due.cancelled = true;
    }
    return due;
  }

  /** Number of timers still waiting. */
  pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}
