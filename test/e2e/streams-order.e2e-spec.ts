import { AssignmentAnswer, StreamClient } from '../support/stream-client';
import { makeTempDir } from '../support/temp-dir';
import { startTestBroker, TestBroker } from '../support/test-app';

const RECORDS = 20_000;
const PARTITIONS = 6;
const KEYS = 97;
const SESSION_MS = 10_000;

/**
 * What each member saw: per partition, the last offset of its current stretch of ownership
 * (a member that loses a partition and gets it back starts again from the committed offset).
 */
class Observer {
  readonly seen = Array.from({ length: PARTITIONS }, () => new Set<number>());
  readonly problems: string[] = [];
  delivered = 0;
  private readonly last = new Map<string, { offset: number; seqByKey: Map<string, number> }>();
  private readonly owned = new Map<string, Set<number>>();

  take(memberId: string, answer: AssignmentAnswer & { records: any[] }): number {
    const now = new Set(answer.assignment.map((p) => p.partition));
    for (const partition of this.owned.get(memberId) ?? []) {
      if (!now.has(partition)) this.last.delete(`${memberId}/${partition}`);
    }
    this.owned.set(memberId, now);
    this.delivered += answer.records.length;
    for (const r of answer.records) {
      if (!now.has(r.partition)) this.problems.push(`${memberId} got ${r.partition} unassigned`);
      const stretch = this.last.get(`${memberId}/${r.partition}`) ?? {
        offset: -1,
        seqByKey: new Map<string, number>(),
      };
      if (r.offset <= stretch.offset) {
        this.problems.push(`${memberId} saw ${r.partition}@${r.offset} after ${stretch.offset}`);
      }
      const seq = stretch.seqByKey.get(r.key) ?? -1;
      if (r.value.seq <= seq) this.problems.push(`${memberId} saw key ${r.key} out of order`);
      stretch.offset = r.offset;
      stretch.seqByKey.set(r.key, r.value.seq);
      this.last.set(`${memberId}/${r.partition}`, stretch);
      this.seen[r.partition]!.add(r.offset);
    }
    return answer.records.length;
  }
}

describe('per-partition order in a streaming consumer group', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker;

  beforeAll(async () => {
    dir = makeTempDir();
    broker = await startTestBroker(dir.path);
  });

  afterAll(async () => {
    await broker.close();
    dir.remove();
  });

  it('delivers 20,000 keyed records in offset order per partition through rebalances, each at least once', async () => {
    const client = new StreamClient(broker.url, 'ordered');
    await client.createTopic('orders', PARTITIONS);
    const seqOfKey = new Map<string, number>();
    for (let batch = 0; batch < RECORDS / 1000; batch++) {
      await client.produce(
        'orders',
        Array.from({ length: 1000 }, (_x, i) => {
          const key = `user-${(batch * 1000 + i) % KEYS}`;
          const seq = seqOfKey.get(key) ?? 0;
          seqOfKey.set(key, seq + 1);
          return { key, value: { seq } };
        }),
      );
    }
    const observer = new Observer();
    const join = async () =>
      (
        await client.join({
          topics: ['orders'],
          autoOffsetReset: 'earliest',
          sessionTimeoutMs: SESSION_MS,
        })
      ).memberId;
    const poll = async (memberId: string) =>
      observer.take(memberId, await client.poll(memberId, { maxRecords: 300 }));
    const rounds = async (members: string[], count: number, advanceMs = 0) => {
      let received = 0;
      for (let round = 0; round < count; round++) {
        broker.clock.advance(advanceMs);
        for (const memberId of members) received += await poll(memberId);
      }
      return received;
    };

    const m1 = await join();
    await rounds([m1], 10);
    const [m2, m3] = [await join(), await join()];
    await rounds([m1, m2, m3], 8);
    await client.leave(m2);
    const m4 = await join();
    await rounds([m1, m3, m4], 5);
    // m3 goes silent with records it was given but never committed
    await rounds([m1, m4], SESSION_MS / 2000, 2000);
    expect((await client.describe()).members).toHaveLength(2);
    const m5 = await join();
    for (let round = 0; round < 200; round++) {
      if ((await rounds([m1, m4, m5], 1)) === 0) break;
    }

    expect(observer.problems).toEqual([]);
    expect(client.timeline.conflicts()).toEqual([]);
    const view = await client.describe();
    expect(view.partitions.map((p: any) => p.lag)).toEqual(Array(PARTITIONS).fill(0));
    let total = 0;
    for (const p of view.partitions) {
      const seen = observer.seen[p.partition]!;
      expect(p.committedOffset).toBe(p.logEndOffset);
      expect(seen.size).toBe(p.logEndOffset); // every offset from 0 to the end: no gap
      expect(Math.max(...seen)).toBe(p.logEndOffset - 1);
      total += p.logEndOffset;
    }
    expect(total).toBe(RECORDS);
    // what the silent member was given but never committed went to its successors again
    expect(observer.delivered).toBeGreaterThan(RECORDS);
    expect(client.timeline.observations.length).toBeGreaterThan(50);
  });
});
