import { Admin } from './admin';
import { BackoffOptions, backoffDelayMs, sleep } from './backoff';
import { tokenOf } from './http-json';
import { fromWire, WeirRecord } from './records';

export interface PartitionReaderOptions {
  /** `http://host:port` of the broker. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** PEM certificate(s) of the authority to trust for `https://` (self-signed or private CA). */
  ca?: string | Buffer;
  topic: string;
  partition: number;
  /** The first offset to read. */
  fromOffset: number;
  /** Handles each page of records, in offset order. */
  onRecords: (records: WeirRecord[]) => void;
  /** Long-poll wait (default 1,000 ms). */
  waitMs?: number;
  retryBackoff?: BackoffOptions;
  onError?: (error: unknown) => void;
}

/**
 * A plain reader of one partition (no group): long-polls from `fromOffset` on and hands each
 * page to `onRecords`, retrying with jittered backoff while the broker is unreachable.
 */
export class PartitionReader {
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly options: PartitionReaderOptions) {}

  start(): void {
    this.loop ??= this.read();
  }

  /** Ends the long-poll in progress and resolves once the reader stopped. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  private async read(): Promise<void> {
    const admin = new Admin(this.options.url, tokenOf(this.options));
    const signal = this.stopping.signal;
    let offset = this.options.fromOffset;
    for (let attempt = 0; !signal.aborted;) {
      try {
        const page = await admin.readRecords(
          this.options.topic,
          this.options.partition,
          { offset, waitMs: this.options.waitMs ?? 1000 },
          { signal },
        );
        offset = page.nextOffset;
        attempt = 0;
        if (page.records.length > 0) this.options.onRecords(page.records.map(fromWire));
      } catch (error) {
        if (signal.aborted) break;
        this.options.onError?.(error);
        await sleep(backoffDelayMs(attempt++, this.options.retryBackoff), signal);
      }
    }
  }
}
