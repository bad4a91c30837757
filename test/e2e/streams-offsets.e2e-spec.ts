import request from 'supertest';
import { sample } from '../support/prometheus-sample';
import { StreamClient } from '../support/stream-client';
import { makeTempDir } from '../support/temp-dir';
import { startTestBroker, TestBroker } from '../support/test-app';

const committedOf = (view: any) =>
  view.partitions.map((p: any) => [p.partition, p.committedOffset]);

describe('streaming consumer group offsets', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker;
  let client: StreamClient;

  beforeEach(async () => {
    dir = makeTempDir();
    broker = await startTestBroker(dir.path);
    client = new StreamClient(broker.url, 'offsets');
  });

  afterEach(async () => {
    await broker.close();
    dir.remove();
  });

  /** Creates `topic` with `perPartition` records in each of its partitions. */
  async function fill(topic: string, partitions: number, perPartition: number) {
    await client.createTopic(topic, partitions);
    for (let partition = 0; partition < partitions; partition++) {
      await client.produce(
        topic,
        Array.from({ length: perPartition }, (_x, i) => ({ partition, value: i })),
      );
    }
  }

  it('reads none of the records of the partitions a poll names as paused, and reads on from where they stopped once it no longer names them', async () => {
    await fill('paused', 2, 5);
    const { memberId } = await client.join({
      topics: ['paused'],
      autoOffsetReset: 'earliest',
      autoCommit: false,
    });
    const paused = [{ topic: 'paused', partition: 1 }];
    const first = await client.poll(memberId, { maxRecords: 3, paused });
    const second = await client.poll(memberId, { maxRecords: 100, paused });
    const third = await client.poll(memberId, { maxRecords: 100, paused });
    const at = (answer: { records: any[] }) => answer.records.map((r) => [r.partition, r.offset]);
    expect(at(first)).toEqual([0, 1, 2].map((o) => [0, o]));
    expect(at(second)).toEqual([3, 4].map((o) => [0, o]));
    expect(at(third)).toEqual([]);
    const resumed = await client.poll(memberId, { maxRecords: 100 });
    expect(at(resumed)).toEqual([0, 1, 2, 3, 4].map((o) => [1, o]));
  });

  it('refuses a commit from a stale generation or a non-owner with 409 and changes nothing', async () => {
    await fill('fenced', 2, 10);
    const a = await client.join({ topics: ['fenced'], autoCommit: false });
    const b = await client.join({ topics: ['fenced'], autoCommit: false });
    await client.heartbeat(a.memberId, []); // a reads nothing: it hands over one partition
    const ofB = await client.heartbeat(b.memberId);
    const ofA = await client.heartbeat(a.memberId);
    const own = { ...ofA.assignment[0]!, offset: 5 };
    const foreign = { ...ofB.assignment[0]!, offset: 5 };
    await client.commit(a.memberId, ofA.generation, [own]);
    const before = committedOf(await client.describe());
    expect(before).toContainEqual([own.partition, 5]);

    const notOwner = await client.commitRaw(a.memberId, ofA.generation, [
      { ...own, offset: 7 },
      foreign,
    ]);
    expect([notOwner.status, notOwner.body.error.code]).toEqual([409, 'NOT_PARTITION_OWNER']);
    expect(notOwner.body.error.details.partitions).toEqual([
      { topic: 'fenced', partition: foreign.partition },
    ]);

    await client.leave(b.memberId); // a gets b's partition back, in a later generation
    const regained = await client.commitRaw(a.memberId, ofA.generation, [
      { ...foreign, offset: 8 },
    ]);
    expect([regained.status, regained.body.error.code]).toEqual([409, 'STALE_GENERATION']);
    const unknown = await client.commitRaw(a.memberId, ofA.generation + 100, [
      { ...own, offset: 8 },
    ]);
    expect([unknown.status, unknown.body.error.code]).toEqual([409, 'STALE_GENERATION']);

    expect(committedOf(await client.describe())).toEqual(before);
  });

  it('keeps committed offsets across a restart, and a new member resumes from them', async () => {
    await fill('kept', 2, 10);
    const a = await client.join({
      topics: ['kept'],
      autoOffsetReset: 'earliest',
      autoCommit: false,
    });
    const polled = await client.poll(a.memberId, { maxRecords: 100 });
    expect(polled.records).toHaveLength(20);
    await client.commit(a.memberId, polled.generation, [
      { topic: 'kept', partition: 0, offset: 6 },
      { topic: 'kept', partition: 1, offset: 4 },
    ]);
    await broker.close();

    broker = await startTestBroker(dir.path);
    client = new StreamClient(broker.url, 'offsets');
    const view = await client.describe();
    expect(view.members).toEqual([]);
    expect(view.partitions).toEqual([
      { topic: 'kept', partition: 0, committedOffset: 6, logEndOffset: 10, lag: 4, memberId: null },
      { topic: 'kept', partition: 1, committedOffset: 4, logEndOffset: 10, lag: 6, memberId: null },
    ]);
    // `latest` applies only where there is no committed offset
    const resumed = await client.join({ topics: ['kept'], autoOffsetReset: 'latest' });
    const records = (await client.poll(resumed.memberId, { maxRecords: 100 })).records;
    const offsetsOf = (partition: number) =>
      records.filter((r) => r.partition === partition).map((r) => r.offset);
    expect(offsetsOf(0)).toEqual([6, 7, 8, 9]);
    expect(offsetsOf(1)).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it('auto-commits what the previous poll returned on the next poll, and on leave', async () => {
    await fill('auto', 1, 10);
    const a = await client.join({ topics: ['auto'], autoOffsetReset: 'earliest' });
    expect((await client.poll(a.memberId, { maxRecords: 4 })).records).toHaveLength(4);
    expect(committedOf(await client.describe())).toEqual([[0, null]]);
    expect((await client.poll(a.memberId, { maxRecords: 4 })).records[0].offset).toBe(4);
    expect(committedOf(await client.describe())).toEqual([[0, 4]]);
    await client.leave(a.memberId);
    const view = await client.describe();
    expect(view.members).toEqual([]);
    expect(view.partitions[0]).toMatchObject({ committedOffset: 8, lag: 2 });
  });

  it('resets to the first record at or after a timestamp', async () => {
    await client.createTopic('timed', 1);
    await client.produce(
      'timed',
      [1000, 2000, 3000, 4000].map((timestampMs) => ({ timestampMs, value: timestampMs })),
    );
    // a reset may prepare a group before its first member
    const view = await client.reset({ topic: 'timed', to: { timestampMs: 2500 } });
    expect(view.partitions[0]).toMatchObject({ committedOffset: 2, logEndOffset: 4, lag: 2 });
    const a = await client.join({ topics: ['timed'] });
    const polled = await client.poll(a.memberId);
    expect(polled.records.map((r) => r.value)).toEqual([3000, 4000]);

    const exact = await client.reset({ topic: 'timed', to: { timestampMs: 2000 } });
    expect(exact.partitions[0].committedOffset).toBe(1);
    const later = await client.reset({ topic: 'timed', to: { timestampMs: 9999 } });
    expect(later.partitions[0].committedOffset).toBe(4);
  });

  it('moves a live member to the reset position on its next poll', async () => {
    await fill('live', 1, 10);
    const a = await client.join({ topics: ['live'], autoOffsetReset: 'earliest' });
    expect((await client.poll(a.memberId, { maxRecords: 100 })).records).toHaveLength(10);

    await client.reset({ topic: 'live', to: { offset: 3 } });
    const again = await client.poll(a.memberId, { maxRecords: 100 });
    expect(again.records.map((r) => r.offset)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    // the auto-commit of the poll before the reset did not overwrite it
    expect(committedOf(await client.describe())).toEqual([[0, 3]]);

    await client.reset({ topic: 'live', partitions: [0], to: 'earliest' });
    expect((await client.poll(a.memberId, { maxRecords: 2 })).records.map((r) => r.offset)).toEqual(
      [0, 1],
    );
    await client.reset({ topic: 'live', to: 'latest' });
    expect((await client.poll(a.memberId)).records).toEqual([]);
    expect(committedOf(await client.describe())).toEqual([[0, 10]]);
  });

  it('reports lag, committed offsets, members and rebalances in metrics', async () => {
    await fill('measured', 2, 5);
    const a = await client.join({ topics: ['measured'], autoCommit: false });
    await client.commit(a.memberId, a.generation, [{ topic: 'measured', partition: 1, offset: 2 }]);
    await client.join({ topics: ['measured'] });
    const text = (await request(broker.url).get('/metrics').expect(200)).text;
    const labels = { group: 'offsets', topic: 'measured', partition: '1' };
    expect(sample(text, 'weir_stream_group_lag', labels)).toBe(3);
    expect(sample(text, 'weir_stream_group_committed_offset', labels)).toBe(2);
    expect(sample(text, 'weir_stream_group_lag', { ...labels, partition: '0' })).toBeUndefined();
    expect(sample(text, 'weir_stream_group_members', { group: 'offsets' })).toBe(2);
    expect(sample(text, 'weir_stream_group_rebalances_total', { group: 'offsets' })).toBe(2);
  });
});
