/**
 * Messages for the other thread, sent together: one `postMessage` of an array per flush, with
 * every transfer list merged, instead of one per message (each costs a clone, a wake-up and a
 * 'message' event on the other side). Order is kept.
 */
export class MessageBatch<T> {
  private messages: T[] = [];
  private transfer = new Set<ArrayBuffer>();

  constructor(private readonly post: (messages: T[], transfer: ArrayBuffer[]) => void) {}

  add(message: T, transfer: readonly ArrayBuffer[] = []): void {
    this.messages.push(message);
    for (const buffer of transfer) this.transfer.add(buffer);
  }

  get size(): number {
    return this.messages.length;
  }

  /** Posts what was added since the last flush, if anything. */
  flush(): void {
    if (this.messages.length === 0) return;
    const messages = this.messages;
    const transfer = [...this.transfer];
    this.messages = [];
    this.transfer = new Set();
    this.post(messages, transfer);
  }
}
