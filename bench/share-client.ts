import { HttpClient } from './http-client';
import { log } from './util';

/** The fields of a delivered share-group record that the bench looks at. */
export interface Delivered {
  partition: number;
  offset: number;
  value: unknown;
  deliveryCount: number;
  receipt: string;
}

/** What an acknowledgement request came to: items answered `ok: true`, and the others. */
export interface AckOutcome {
  ok: number;
  failed: number;
}

/** Log at most this many individual delivery or acknowledgement problems per run. */
const MAX_LOGGED = 5;

const groupPath = (group: string): string => `/queues/groups/${encodeURIComponent(group)}`;

/** `PUT /queues/groups/:group` for `topics` (the group starts at the earliest offset). */
export async function createGroup(client: HttpClient, group: string, topics: string[]) {
  await client.expect(200, 'PUT', groupPath(group), JSON.stringify({ topics }));
}

/** The records of a receive answer, checked to be the shape the bench relies on. */
export function deliveredRecords(body: unknown): Delivered[] {
  const records = (body as { records?: unknown } | null)?.records;
  if (!Array.isArray(records)) throw new Error('receive answer has no records array');
  for (const r of records as Array<Partial<Delivered>>) {
    if (typeof r.receipt !== 'string' || typeof r.offset !== 'number') {
      throw new Error(`delivered record lacks receipt or offset: ${JSON.stringify(r)}`);
    }
  }
  return records as Delivered[];
}

/** One HTTP receive of up to `maxRecords` for `memberId`, long-polling up to `waitMs`. */
export async function receive(
  client: HttpClient,
  group: string,
  memberId: string,
  maxRecords: number,
  waitMs: number,
): Promise<Delivered[]> {
  const body = JSON.stringify({ memberId, maxRecords, waitMs });
  return deliveredRecords(await client.expect(200, 'POST', `${groupPath(group)}/receive`, body));
}

/** The body of an acknowledgement that accepts every one of `records`. */
export function acceptAll(records: readonly Delivered[]): { type: 'accept'; receipt: string }[] {
  return records.map((r) => ({ receipt: r.receipt, type: 'accept' as const }));
}

/** Counts `ok: true` results of an acks answer (HTTP `{results}` or WebSocket `acked`). */
export function ackOutcome(body: unknown, expected: number): AckOutcome {
  const results = (body as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) throw new Error('acks answer has no results array');
  const ok = (results as Array<{ ok?: unknown }>).filter((r) => r.ok === true).length;
  if (ok !== expected && results.length > 0) {
    const bad = (results as Array<{ ok?: unknown }>).find((r) => r.ok !== true);
    log(`acks: ${ok} of ${expected} ok, e.g. ${JSON.stringify(bad).slice(0, 200)}`);
  }
  return { ok, failed: expected - ok };
}

/** `POST /queues/groups/:group/acks` accepting every one of `records`. */
export async function acceptHttp(
  client: HttpClient,
  group: string,
  records: readonly Delivered[],
): Promise<AckOutcome> {
  const body = JSON.stringify({ acks: acceptAll(records) });
  const answer = await client.expect(200, 'POST', `${groupPath(group)}/acks`, body);
  return ackOutcome(answer, records.length);
}

/** Sum of `lag` over the group's partitions (`GET /queues/groups/:group`), or null. */
export async function groupLag(client: HttpClient, group: string): Promise<number | null> {
  const view = (await client.expect(200, 'GET', groupPath(group))) as {
    partitions?: Array<{ lag?: unknown }>;
  };
  if (!Array.isArray(view.partitions)) return null;
  return view.partitions.reduce((sum, p) => sum + (typeof p.lag === 'number' ? p.lag : NaN), 0);
}

/**
 * Bookkeeping of one worker run: every delivery checked against the offsets seen before (per
 * partition), so that lost, duplicated and redelivered records show in the figures.
 */
export class Tally {
  delivered = 0;
  /** Deliveries of an offset already delivered in this run. */
  duplicates = 0;
  /** Deliveries with `deliveryCount > 1` (a lock expired or a record was released). */
  redeliveries = 0;
  accepted = 0;
  ackFailures = 0;
  /** Records whose value is not what the producer wrote. */
  badValues = 0;
  errors = 0;
  private readonly seen = new Map<number, Uint8Array>();
  private logged = 0;

  constructor(private readonly offsetsPerPartition: number) {}

  /** Records `records` as delivered; answers how many were new (not seen before). */
  deliver(records: readonly Delivered[], valueOk: (value: unknown) => boolean): number {
    let fresh = 0;
    for (const r of records) {
      this.delivered++;
      if (r.deliveryCount > 1) this.redeliveries++;
      if (!valueOk(r.value)) this.note(`bad value at ${r.partition}/${r.offset}`, 'badValues');
      let bits = this.seen.get(r.partition);
      if (!bits) this.seen.set(r.partition, (bits = new Uint8Array(this.offsetsPerPartition)));
      if (r.offset < 0 || r.offset >= bits.length) {
        this.note(`offset ${r.partition}/${r.offset} out of the expected range`, 'badValues');
      } else if (bits[r.offset] === 1) {
        this.note(`offset ${r.partition}/${r.offset} delivered again`, 'duplicates');
      } else {
        bits[r.offset] = 1;
        fresh++;
      }
    }
    return fresh;
  }

  acked(outcome: AckOutcome): void {
    this.accepted += outcome.ok;
    this.ackFailures += outcome.failed;
  }

  error(what: string, error: unknown): void {
    this.errors++;
    if (this.logged++ < MAX_LOGGED) log(`${what}: ${String(error)}`);
  }

  /** Distinct offsets delivered. */
  get distinct(): number {
    let n = 0;
    for (const bits of this.seen.values()) for (const b of bits) n += b;
    return n;
  }

  figures() {
    const { delivered, duplicates, redeliveries, accepted, ackFailures, badValues, errors } = this;
    const distinct = this.distinct;
    return {
      delivered,
      distinct,
      duplicates,
      redeliveries,
      accepted,
      ackFailures,
      badValues,
      errors,
    };
  }

  private note(message: string, counter: 'duplicates' | 'badValues'): void {
    this[counter]++;
    if (this.logged++ < MAX_LOGGED) log(`share delivery: ${message}`);
  }
}
