import { Clock, ScheduledTimer } from './clock';

/** Longest delay a Node timer takes; a later deadline is reached by sleeping again. */
const MAX_DELAY_MS = 2_147_483_647;

/**
 * One timer on the earliest of a changing set of deadlines (epoch ms on the clock): it sleeps
 * until `nextDeadlineMs()`, runs `onDue`, then sleeps until the next one. Call `poke` after a
 * change that may bring the next deadline forward; a deadline that moved later needs no poke,
 * because a timer that fires early finds nothing due and sleeps again.
 *
 * A deadline still due after `onDue` ran (it failed, or could not handle it) is not run again at
 * once: the timer waits `retryDelayMs` and ignores pokes for that deadline meanwhile, so that a
 * lasting failure never turns into a busy loop.
 */
export class DeadlineTimer {
  private timer: ScheduledTimer | undefined;
  private armedForMs: number | undefined;
  /** A deadline that stayed due after `onDue`: not run again before the retry. */
  private stuckAtMs: number | undefined;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly nextDeadlineMs: () => number | undefined,
    private readonly onDue: () => void,
    private readonly retryDelayMs = 1000,
  ) {}

  /** Re-arms the timer when the next deadline is earlier than the one it waits for. */
  poke(): void {
    if (this.stopped) return;
    const deadline = this.nextDeadlineMs();
    if (deadline === undefined) return;
    if (this.stuckAtMs !== undefined && deadline <= this.stuckAtMs) return;
    this.arm(deadline);
  }

  /** Cancels the timer for good: used at shutdown. */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private arm(deadline: number): void {
    if (this.armedForMs !== undefined && this.armedForMs <= deadline) return;
    this.timer?.cancel();
    this.armedForMs = deadline;
    const delayMs = Math.min(deadline - this.clock.now(), MAX_DELAY_MS);
    this.timer = this.clock.schedule(delayMs, () => this.fire());
  }

  private fire(): void {
    this.timer = undefined;
    this.armedForMs = undefined;
    this.stuckAtMs = undefined;
    try {
      this.onDue();
    } finally {
      const next = this.stopped ? undefined : this.nextDeadlineMs();
      if (next !== undefined && next <= this.clock.now()) {
        this.stuckAtMs = next;
        this.arm(this.clock.now() + this.retryDelayMs);
      } else {
        this.poke();
      }
    }
  }
}
