import { call, callUntilOk } from './cluster-client';

/** A record as a stream poll answers it. */
export interface PolledRecord {
  topic: string;
  partition: number;
  offset: number;
  value?: unknown;
}

/**
 * One member of a streaming consumer group that talks to one node only, as a client pinned to
 * a load balancer's node would: joins, polls and commits by hand (autoCommit off), and joins
 * again under its id when the group's coordinator forgot it (`MEMBER_NOT_FOUND`, after a
 * coordinator failover). Every record it took is kept with the generation it took it in.
 */
export class StreamMember {
  memberId: string | undefined;
  generation = 0;
  assignment: Array<{ topic: string; partition: number }> = [];
  readonly taken: Array<PolledRecord & { generation: number }> = [];
  rejoins = 0;

  constructor(
    readonly url: string,
    private readonly group: string,
    private readonly topic: string,
  ) {}

  private get base(): string {
    return `/streams/groups/${this.group}`;
  }

  async join(): Promise<void> {
    const body = { topics: [this.topic], autoOffsetReset: 'earliest', autoCommit: false };
    const answer = await callUntilOk(
      this.url,
      'POST',
      `${this.base}/members`,
      this.memberId === undefined ? body : { ...body, memberId: this.memberId },
      20_000,
    );
    this.memberId = answer.body.memberId;
    this.adopt(answer.body);
  }

  /**
   * One poll (waitMs as given), then a commit of what it returned. Answers the records; a 503
   * (no coordinator now) answers none; a forgotten member joins again first.
   */
  async pollAndCommit(waitMs: number): Promise<PolledRecord[]> {
    const answer = await call(this.url, 'POST', `${this.base}/members/${this.memberId}/poll`, {
      maxRecords: 50,
      waitMs,
    });
    if (this.forgotten(answer)) {
      this.rejoins += 1;
      await this.join();
      return [];
    }
    if (answer.status === 0 || answer.status === 503) return [];
    if (answer.status !== 200)
      throw new Error(`poll: ${answer.status} ${JSON.stringify(answer.body)}`);
    this.adopt(answer.body);
    const records = answer.body.records as PolledRecord[];
    for (const record of records) this.taken.push({ ...record, generation: this.generation });
    const next = new Map<number, number>();
    for (const record of records) next.set(record.partition, record.offset + 1);
    if (next.size > 0) {
      const offsets = [...next].map(([partition, offset]) => ({
        topic: this.topic,
        partition,
        offset,
      }));
      const commit = await call(this.url, 'POST', `${this.base}/offsets`, {
        memberId: this.memberId,
        generation: this.generation,
        offsets,
      });
      if (this.forgotten(commit)) {
        this.rejoins += 1;
        await this.join();
      } else if (commit.status !== 200 && commit.status !== 503 && commit.status !== 0) {
        throw new Error(`commit: ${commit.status} ${JSON.stringify(commit.body)}`);
      }
    }
    return records;
  }

  /** A heartbeat that hands over what it was asked to revoke (it holds nothing unprocessed). */
  async heartbeat(): Promise<void> {
    const answer = await call(this.url, 'POST', `${this.base}/members/${this.memberId}/heartbeat`, {
      owned: [],
    });
    if (this.forgotten(answer)) {
      this.rejoins += 1;
      await this.join();
      return;
    }
    if (answer.status === 200) this.adopt(answer.body);
  }

  partitions(): number[] {
    return this.assignment.map((p) => p.partition).sort((a, b) => a - b);
  }

  private forgotten(answer: { status: number; body: any }): boolean {
    return answer.body?.error?.code === 'MEMBER_NOT_FOUND';
  }

  private adopt(body: {
    generation: number;
    assignment: Array<{ topic: string; partition: number }>;
  }) {
    this.generation = body.generation;
    this.assignment = body.assignment;
  }
}
