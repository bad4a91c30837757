import { Clock, ScheduledTimer } from '../common/clock';

/** What the heartbeat needs of a connection: pings it and closes it when it stopped answering. */
export interface LiveConnection {
  /** Pings sent since the last pong. */
  readonly unansweredPings: number;
  ping(): void;
  /** Closes the connection at once; its close path then runs as for any closed socket. */
  terminate(): void;
}

/** Pings a connection may leave unanswered; the next beat closes it. */
export const MAX_UNANSWERED_PINGS = 2;

/**
 * WebSocket liveness: every `intervalMs` it pings each tracked connection, and closes one that
 * missed two pongs in a row (a frozen or vanished client), so that what it held (share records,
 * stream partitions) goes back to the other members. A connection that stops answering is closed
 * two to three intervals after its last pong. One timer on the injected clock (unref'd),
 * armed only while connections are tracked and cleared by `stop`.
 */
export class WsHeartbeat<C extends LiveConnection = LiveConnection> {
  private readonly connections = new Set<C>();
  private timer: ScheduledTimer | undefined;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {}

  /** Starts watching `connection`; its first ping comes with the next beat. */
  add(connection: C): void {
    if (this.stopped) return;
    this.connections.add(connection);
    this.arm();
  }

  remove(connection: C): void {
    this.connections.delete(connection);
  }

  /** The connections being watched. */
  tracked(): C[] {
    return [...this.connections];
  }

  /** Cancels the timer for good: used at shutdown. */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private arm(): void {
    if (this.timer || this.stopped || this.connections.size === 0) return;
    this.timer = this.clock.schedule(this.intervalMs, () => this.beat());
  }

  private beat(): void {
    this.timer = undefined;
    for (const connection of [...this.connections]) {
      if (connection.unansweredPings >= MAX_UNANSWERED_PINGS) {
        this.connections.delete(connection);
        connection.terminate();
      } else {
        connection.ping();
      }
    }
    this.arm();
  }
}
