import { BackoffOptions } from './backoff';
import { ShareHandler } from './handler-outcome';

export interface ShareConsumerOptions {
  /** `http://host:port` of the broker; the WebSocket is `ws://host:port/ws`. */
  url: string;
  /** Sent as `Authorization: Bearer <token>` on the WebSocket upgrade. */
  token?: string;
  /** PEM certificate(s) of the authority to trust for `https://` (self-signed or private CA). */
  ca?: string | Buffer;
  /** Delay between reconnection attempts (default 100 ms doubling to 3 s, jittered). */
  reconnectBackoff?: BackoffOptions;
  /** Errors that do not stop the consumer: a lost connection, a refused acknowledgement. */
  onError?: (error: unknown) => void;
  /**
   * How long an acknowledgement waits for others to share its frame (default 1 ms; 0: only
   * those of the same turn of the event loop). A frame also leaves once 1,000 wait.
   */
  ackLingerMs?: number;
  /**
   * Credit given back as handlers end leaves once a quarter of the grant is owed, or this long
   * after the first unit (default 1 ms; 0: at the end of the turn).
   */
  creditLingerMs?: number;
}

export interface ShareRunOptions {
  group: string;
  /** The group's topics; a group that does not exist yet is created with them. */
  topics: string[];
  /** Most handlers running at once. */
  concurrency: number;
  /**
   * Records received ahead of a free handler, waiting here with their locks held (and renewed):
   * the broker is granted `concurrency + prefetch` records of credit, so that it pushes in
   * batches rather than one record per finished handler (default: `concurrency`, or more so
   * that the credit reaches 128; 0 takes a record only when a handler is free).
   */
  prefetch?: number;
  handler: ShareHandler;
  /** This worker's lock duration (default: the group's), within the broker's [1 s, 12 h]. */
  lockDurationMs?: number;
  /** Renew a lock once this fraction of it has passed while its handler runs (default 0.5). */
  renewFraction?: number;
}

/** The default credit of a subscription: what lets the broker push in batches. */
const DEFAULT_CREDIT = 128;

export const prefetchOf = (run: ShareRunOptions) =>
  run.prefetch ?? Math.max(run.concurrency, DEFAULT_CREDIT - run.concurrency);
