import { Clock, ScheduledTimer } from './clock';

/** Longest delay a Node timer takes; a later deadline is reached by sleeping again. */
const MAX_DELAY_MS = 2_147_483_647;

/**
 * One timer on the earliest of a changing set of deadlines (epoch ms on the clock): it sleeps
 * until `nextDeadlineMs()`, runs `onDue`, then sleeps until the next one. Call `poke` after a
 * change that may bring the next deadline forward; a deadline that moved later needs no poke,
 * because a timer that fires early finds nothing due and sleeps again.
 */
export class DeadlineTimer {
  private timer: ScheduledTimer | undefined;
  private armedForMs: number | undefined;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly nextDeadlineMs: () => number | undefined,
    private readonly onDue: () => void,
  ) {}

  /** Re-arms the timer when the next deadline is earlier than the one it waits for. */
  poke(): void {
    if (this.stopped) return;
    const deadline = this.nextDeadlineMs();
    if (deadline === undefined) return;
    if (this.armedForMs !== undefined && this.armedForMs <= deadline) return;
    this.timer?.cancel();
    this.armedForMs = deadline;
    const delayMs = Math.min(deadline - this.clock.now(), MAX_DELAY_MS);
    this.timer = this.clock.schedule(delayMs, () => this.fire());
  }

  /** Cancels the timer for good: used at shutdown. */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private fire(): void {
    this.timer = undefined;
    this.armedForMs = undefined;
    try {
      this.onDue();
    } finally {
      this.poke();
    }
  }
}
