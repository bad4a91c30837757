import { useBroker } from '../support/broker-fixture';
import { StreamClient, TopicPartition } from '../support/stream-client';

const SESSION_MS = 10_000;
const names = (assignment: TopicPartition[]) => assignment.map((p) => `${p.topic}/${p.partition}`);

describe('streaming consumer group handover and commit fencing', () => {
  const fixture = useBroker();
  let client: StreamClient;

  beforeEach(() => {
    client = new StreamClient(fixture.broker.url, 'handover');
  });

  afterEach(() => {
    expect(client.timeline.conflicts()).toEqual([]);
  });

  /** Creates `topic` with `perPartition` records (values `p<partition>-<i>`) in each partition. */
  async function fill(topic: string, partitions: number, perPartition: number) {
    await client.createTopic(topic, partitions);
    for (let partition = 0; partition < partitions; partition++) {
      await client.produce(
        topic,
        Array.from({ length: perPartition }, (_x, i) => ({
          partition,
          value: `p${partition}-${i}`,
        })),
      );
    }
  }

  const join = () =>
    client.join({
      topics: ['work'],
      autoOffsetReset: 'earliest',
      autoCommit: false,
      sessionTimeoutMs: SESSION_MS,
    });

  it('keeps partitions with an owner that heartbeats while it works, and hands a revoked one over only when owned no longer names it', async () => {
    await fill('work', 2, 4);
    const a = await join();
    const batch = await client.poll(a.memberId, { maxRecords: 100 });
    expect(batch.records).toHaveLength(8);
    const b = await join();
    expect(b.assignment).toEqual([]);

    // a works on its batch for three session timeouts, heartbeating with and without `owned`
    const seenByB: unknown[] = [];
    for (let round = 0; round < 6; round++) {
      fixture.broker.clock.advance(SESSION_MS / 2);
      const beat =
        round % 2 === 0
          ? await client.heartbeat(a.memberId)
          : await client.heartbeat(a.memberId, batch.assignment);
      expect(names(beat.assignment)).toEqual(['work/0', 'work/1']);
      const polled = await client.poll(b.memberId);
      expect(polled.assignment).toEqual([]);
      seenByB.push(...polled.records);
    }
    expect(seenByB).toEqual([]);
    const view = await client.describe();
    expect(view.partitions.map((p: any) => p.memberId)).toEqual([a.memberId, a.memberId]);

    // a finished half of each partition and commits with the generation it learned first
    await client.commit(a.memberId, batch.generation, [
      { topic: 'work', partition: 0, offset: 2 },
      { topic: 'work', partition: 1, offset: 2 },
    ]);
    const handed = await client.heartbeat(a.memberId, [{ topic: 'work', partition: 0 }]);
    expect(names(handed.assignment)).toEqual(['work/0']);
    const taken = await client.poll(b.memberId);
    expect(names(taken.assignment)).toEqual(['work/1']);
    expect(taken.records.map((r) => r.value)).toEqual(['p1-2', 'p1-3']);

    const late = await client.commitRaw(a.memberId, batch.generation, [
      { topic: 'work', partition: 1, offset: 4 },
    ]);
    expect([late.status, late.body.error.code]).toEqual([409, 'NOT_PARTITION_OWNER']);
  });

  it('hands a revoked partition over when its owner polls again', async () => {
    await fill('work', 2, 1);
    const a = await join();
    await client.poll(a.memberId, { maxRecords: 100 });
    const b = await join();
    await client.heartbeat(a.memberId, [
      { topic: 'work', partition: 0 },
      { topic: 'work', partition: 1 },
    ]);
    expect((await client.poll(b.memberId)).assignment).toEqual([]);
    expect(names((await client.poll(a.memberId)).assignment)).toEqual(['work/0']);
    expect(names((await client.poll(b.memberId)).assignment)).toEqual(['work/1']);
  });

  it('lets a member that lost nothing commit after rebalances with the generation it learned before them', async () => {
    await fill('work', 2, 3);
    const a = await join();
    const b = await join();
    await client.heartbeat(a.memberId, []);
    const polled = await client.poll(a.memberId, { maxRecords: 100 });
    expect(names(polled.assignment)).toEqual(['work/0']);

    const c = await join(); // a third member on two partitions takes nothing from a
    expect(c.generation).toBeGreaterThan(polled.generation);
    await client.commit(a.memberId, polled.generation, [
      { topic: 'work', partition: 0, offset: 1 },
    ]);

    await client.leave(b.memberId); // a member leaves: its partition goes to c
    await client.commit(a.memberId, polled.generation, [
      { topic: 'work', partition: 0, offset: 3 },
    ]);
    const view = await client.describe();
    expect(view.partitions.find((p: any) => p.partition === 0).committedOffset).toBe(3);
  });
});
