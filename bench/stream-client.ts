import { HttpClient, offsetCount } from './http-client';
import { log, RECORD_VALUE, secondsSince, throughput, Throughput } from './util';

/** The fields of a streamed record that the bench looks at. */
export interface StreamRecord {
  topic: string;
  partition: number;
  offset: number;
  value: unknown;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A join, poll or assignment answer: the generation and the member's partitions. */
export interface Assigned {
  generation: number;
  assignment: TopicPartition[];
}

/** One partition of `GET /streams/groups/:group`. */
export interface GroupPartitionView {
  partition: number;
  committedOffset: number | null;
  logEndOffset: number;
  lag: number | null;
}

/** Log at most this many individual delivery problems per run. */
const MAX_LOGGED = 5;

const groupPath = (group: string): string => `/streams/groups/${encodeURIComponent(group)}`;

/** The generation and assignment of an answer, checked to be the shape the bench relies on. */
export function assigned(body: unknown): Assigned {
  const b = body as Partial<Assigned> | null;
  if (typeof b?.generation !== 'number' || !Array.isArray(b.assignment)) {
    throw new Error(`answer lacks generation/assignment: ${JSON.stringify(body).slice(0, 200)}`);
  }
  return { generation: b.generation, assignment: b.assignment };
}

/** The records of a poll answer or a `records` frame, checked to be the shape relied on. */
export function streamRecords(body: unknown): StreamRecord[] {
  const records = (body as { records?: unknown } | null)?.records;
  if (!Array.isArray(records)) throw new Error('answer has no records array');
  for (const r of records as Array<Partial<StreamRecord>>) {
    if (typeof r.partition !== 'number' || typeof r.offset !== 'number') {
      throw new Error(`record lacks partition or offset: ${JSON.stringify(r).slice(0, 200)}`);
    }
  }
  return records as StreamRecord[];
}

/** `POST /streams/groups/:group/members`: a polling member reading from the earliest offset. */
export async function joinGroup(client: HttpClient, group: string, topic: string) {
  const body = JSON.stringify({ topics: [topic], autoOffsetReset: 'earliest', autoCommit: true });
  const answer = await client.expect(201, 'POST', `${groupPath(group)}/members`, body);
  const memberId = (answer as { memberId?: unknown }).memberId;
  if (typeof memberId !== 'string') throw new Error('join answer has no memberId');
  return { memberId, ...assigned(answer) };
}

/** One poll of up to `maxRecords` (which auto-commits what the previous poll returned). */
export async function pollGroup(
  client: HttpClient,
  group: string,
  memberId: string,
  maxRecords: number,
  waitMs: number,
) {
  const path = `${groupPath(group)}/members/${encodeURIComponent(memberId)}/poll`;
  const answer = await client.expect(200, 'POST', path, JSON.stringify({ maxRecords, waitMs }));
  return { ...assigned(answer), records: streamRecords(answer) };
}

/** `DELETE .../members/:memberId`: leaves, committing what the previous poll returned. */
export async function leaveGroup(client: HttpClient, group: string, memberId: string) {
  await client.expect(204, 'DELETE', `${groupPath(group)}/members/${encodeURIComponent(memberId)}`);
}

export async function describeGroup(client: HttpClient, group: string) {
  const view = (await client.expect(200, 'GET', groupPath(group))) as {
    partitions?: GroupPartitionView[];
  };
  if (!Array.isArray(view.partitions)) throw new Error('group view has no partitions');
  return view.partitions;
}

/** Log end offset of each partition of `topic` (`GET /topics/:topic`). */
export async function logEnds(client: HttpClient, topic: string): Promise<number[]> {
  const view = (await client.expect(200, 'GET', `/topics/${encodeURIComponent(topic)}`)) as {
    partitions?: Array<{ partition: number; logEndOffset: number }>;
  };
  const ends: number[] = [];
  for (const p of view.partitions ?? []) ends[p.partition] = p.logEndOffset;
  return ends;
}

/**
 * A topic of `partitions` partitions filled with `total` 256-byte records: `clients` concurrent
 * producers posting batches of `batch`, batch i to partition i mod `partitions`.
 */
export async function fillPartitions(
  port: number,
  topic: string,
  partitions: number,
  total: number,
  batch: number,
  clients: number,
  timeLimitMs: number,
): Promise<Throughput & { errors: number; ends: number[] }> {
  const client = new HttpClient(port, clients);
  const path = `/topics/${encodeURIComponent(topic)}/records`;
  const one = JSON.stringify({ value: RECORD_VALUE }).slice(0, -1); // '{"value":"xxx…"'
  const bodies = Array.from({ length: partitions }, (_, p) => {
    const records = new Array<string>(batch).fill(`${one},"partition":${p}}`).join(',');
    return Buffer.from(`{"records":[${records}]}`, 'utf8');
  });
  const batches = Math.floor(total / batch);
  let next = 0;
  let produced = 0;
  let errors = 0;
  const start = process.hrtime.bigint();
  const producer = async (): Promise<void> => {
    while (next < batches && errors < 10 && secondsSince(start) * 1000 < timeLimitMs) {
      const body = bodies[next++ % partitions];
      try {
        const answer = await client.request('POST', path, body);
        if (answer.status === 200 && offsetCount(answer.body) === batch) produced += batch;
        else errors++;
      } catch (error) {
        errors++;
        log(`stream backlog produce failed: ${String(error)}`);
      }
    }
  };
  try {
    await client.createTopic(topic, partitions);
    await Promise.all(Array.from({ length: clients }, () => producer()));
    const run = throughput(produced, secondsSince(start));
    const ends = await logEnds(client, topic);
    if (produced < total) log(`stream backlog '${topic}': only ${produced} of ${total} records`);
    return { ...run, errors, ends };
  } finally {
    client.close();
  }
}

/**
 * Bookkeeping of one consumer-group run over a backlog whose partitions end at `ends`: each
 * partition's offsets must strictly increase, each offset be delivered once, each value be the
 * producer's; records are also counted per member.
 */
export class StreamTally {
  delivered = 0;
  distinct = 0;
  duplicates = 0;
  /** Records whose offset was not above the previous one of its partition. */
  outOfOrder = 0;
  /** Jumps over offsets not delivered yet (a record skipped, at least for a while). */
  gaps = 0;
  badValues = 0;
  errors = 0;
  /** When the last missing record arrived (hrtime ns). */
  doneAt: bigint | undefined;
  readonly perMember: number[];
  private readonly last: number[];
  private readonly seen: Uint8Array[];
  private readonly got: number[];
  private logged = 0;

  constructor(
    private readonly topic: string,
    readonly ends: readonly number[],
    members: number,
  ) {
    this.perMember = new Array<number>(members).fill(0);
    this.last = ends.map(() => -1);
    this.got = ends.map(() => 0);
    this.seen = ends.map((end) => new Uint8Array(end));
  }

  get expected(): number {
    return this.ends.reduce((a, b) => a + b, 0);
  }

  get done(): boolean {
    return this.doneAt !== undefined;
  }

  /** True when every record of `partition` was delivered. */
  complete(partition: number): boolean {
    return this.got[partition] === this.ends[partition];
  }

  take(member: number, records: readonly StreamRecord[]): void {
    this.perMember[member] = (this.perMember[member] ?? 0) + records.length;
    for (const r of records) {
      this.delivered++;
      const p = r.partition;
      const bits = this.seen[p];
      const last = this.last[p];
      if (r.topic !== this.topic || bits === undefined || last === undefined) {
        this.note(`record of ${r.topic}/${p} not in the backlog`, 'badValues');
        continue;
      }
      if (r.value !== RECORD_VALUE) this.note(`bad value at ${p}/${r.offset}`, 'badValues');
      if (r.offset <= last) this.note(`offset ${p}/${r.offset} after ${last}`, 'outOfOrder');
      else if (r.offset > last + 1) this.note(`offset ${p}/${r.offset} after ${last}`, 'gaps');
      this.last[p] = Math.max(last, r.offset);
      if (r.offset < 0 || r.offset >= bits.length) {
        this.note(`offset ${p}/${r.offset} beyond the backlog`, 'badValues');
      } else if (bits[r.offset] === 1) this.note(`offset ${p}/${r.offset} again`, 'duplicates');
      else {
        bits[r.offset] = 1;
        this.got[p] = (this.got[p] ?? 0) + 1;
        this.distinct++;
      }
    }
    if (this.distinct === this.expected) this.doneAt ??= process.hrtime.bigint();
  }

  error(what: string, error: unknown): void {
    this.errors++;
    if (this.logged++ < MAX_LOGGED) log(`${what}: ${String(error)}`);
  }

  figures() {
    const { delivered, distinct, duplicates, outOfOrder, gaps, badValues, errors } = this;
    const perMember = [...this.perMember];
    return { delivered, distinct, duplicates, outOfOrder, gaps, badValues, errors, perMember };
  }

  private note(message: string, counter: 'duplicates' | 'outOfOrder' | 'gaps' | 'badValues') {
    this[counter]++;
    if (this.logged++ < MAX_LOGGED) log(`stream delivery: ${message}`);
  }
}
