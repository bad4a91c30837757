import { randomBytes } from 'node:crypto';

/**
 * Delivery tokens: a random prefix drawn once per broker process and a counter, so every
 * acquisition gets a token no earlier delivery had (across restarts too) without a system call
 * per record.
 */
export class TokenIssuer {
  private readonly prefix = randomBytes(8).toString('hex');
  private counter = 0;

  next(): string {
    this.counter += 1;
    return `${this.prefix}${this.counter.toString(16).padStart(12, '0')}`;
  }
}
