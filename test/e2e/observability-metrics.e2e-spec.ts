import request from 'supertest';
import { useBroker } from '../support/broker-fixture';
import { sample } from '../support/prometheus-sample';
import { QueueClient } from '../support/queue-client';
import { StreamClient } from '../support/stream-client';

describe('metrics after a scripted scenario', () => {
  const fixture = useBroker();

  it('have exactly the values the scenario implies', async () => {
    const { broker } = fixture;
    const q = new QueueClient(broker.url);
    const s = new StreamClient(broker.url, 'sg');

    // queue: 5 jobs; accept 2, release 1, reject 1, let 1 expire; then finish the 2 that came back
    await q.produce(
      'jobs',
      [0, 1, 2, 3, 4].map((value) => ({ value })),
    );
    await q.putGroup('g', { topics: ['jobs'], maxDeliveryCount: 3, lockDurationMs: 1000 });
    const first = (await q.receive('g')).records;
    expect(first).toHaveLength(5);
    await q.ack('g', [
      { receipt: first[0].receipt, type: 'accept' },
      { receipt: first[1].receipt, type: 'accept' },
      { receipt: first[2].receipt, type: 'release' },
      { receipt: first[3].receipt, type: 'reject' },
    ]);
    broker.clock.advance(1000); // offset 4's lock expires
    const second = (await q.receive('g')).records;
    expect(second.map((r) => [r.offset, r.deliveryCount])).toEqual([
      [2, 2],
      [4, 2],
    ]);
    await q.ack(
      'g',
      second.map((r) => ({ receipt: r.receipt, type: 'accept' })),
    );

    // stream: two members on two partitions, commits, then one leaves
    await s.createTopic('events', 2);
    await s.produce('events', [
      { value: 'a', partition: 0 },
      { value: 'b', partition: 0 },
      { value: 'c', partition: 1 },
      { value: 'd', partition: 1 },
    ]);
    const a = await s.join({ topics: ['events'], autoOffsetReset: 'earliest', autoCommit: false });
    const b = await s.join({ topics: ['events'], autoOffsetReset: 'earliest', autoCommit: false });
    await s.heartbeat(a.memberId); // a gives up the partition b is to get
    const pa = await s.poll(a.memberId, { maxRecords: 10 });
    const pb = await s.poll(b.memberId, { maxRecords: 10 });
    expect(pa.assignment).toHaveLength(1);
    expect(pb.assignment).toHaveLength(1);
    const partitionOfA = pa.assignment[0]!.partition;
    const partitionOfB = pb.assignment[0]!.partition;
    await s.commit(a.memberId, pa.generation, [
      { topic: 'events', partition: partitionOfA, offset: 2 },
    ]);
    await s.commit(b.memberId, pb.generation, [
      { topic: 'events', partition: partitionOfB, offset: 1 },
    ]);
    const before = (await request(broker.url).get('/metrics').expect(200)).text;
    await s.leave(b.memberId);

    const text = (await request(broker.url).get('/metrics').expect(200)).text;
    const v = (name: string, labels: Record<string, string> = {}) => sample(text, name, labels);
    const jobs = { group: 'g', topic: 'jobs' };

    expect(v('weir_records_produced_total', { topic: 'jobs' })).toBe(5);
    expect(v('weir_records_produced_total', { topic: 'events' })).toBe(4);
    expect(v('weir_log_end_offset', { topic: 'jobs', partition: '0' })).toBe(5);
    expect(v('weir_log_start_offset', { topic: 'jobs', partition: '0' })).toBe(0);
    expect(v('weir_share_deliveries_total', jobs)).toBe(7);
    expect(v('weir_share_redeliveries_total', jobs)).toBe(2);
    expect(v('weir_share_lock_expirations_total', jobs)).toBe(1);
    expect(v('weir_share_acknowledgements_total', { ...jobs, type: 'accept' })).toBe(4);
    expect(v('weir_share_acknowledgements_total', { ...jobs, type: 'release' })).toBe(1);
    expect(v('weir_share_acknowledgements_total', { ...jobs, type: 'reject' })).toBe(1);
    expect(v('weir_share_acknowledgements_total', { ...jobs, type: 'renew' })).toBeUndefined();
    expect(v('weir_dead_lettered_records_total', { ...jobs, reason: 'CLIENT_REJECT' })).toBe(1);
    expect(
      v('weir_dead_letter_topic_records', { topic: 'dlq.g.jobs', reason: 'CLIENT_REJECT' }),
    ).toBe(1);
    expect(v('weir_share_group_lag', { ...jobs, partition: '0' })).toBe(0);
    for (const state of ['available', 'acquired', 'acknowledged', 'archived']) {
      expect(v('weir_share_group_records', { ...jobs, partition: '0', state })).toBe(0);
    }
    expect(v('weir_share_group_oldest_available_age_seconds', { ...jobs, partition: '0' })).toBe(0);

    const events = (partition: number) => ({
      group: 'sg',
      topic: 'events',
      partition: String(partition),
    });
    expect(v('weir_stream_group_committed_offset', events(partitionOfA))).toBe(2);
    expect(v('weir_stream_group_committed_offset', events(partitionOfB))).toBe(1);
    expect(v('weir_stream_group_lag', events(partitionOfA))).toBe(0);
    expect(v('weir_stream_group_lag', events(partitionOfB))).toBe(1);
    expect(sample(before, 'weir_stream_group_members', { group: 'sg' })).toBe(2);
    expect(v('weir_stream_group_members', { group: 'sg' })).toBe(1);
    const rebalancesBefore =
      sample(before, 'weir_stream_group_rebalances_total', { group: 'sg' }) ?? 0;
    expect(v('weir_stream_group_rebalances_total', { group: 'sg' })).toBe(rebalancesBefore + 1);

    const http = (type: string) =>
      v('weir_request_duration_seconds_count', { transport: 'http', type });
    expect(http('POST /queues/groups/:group/receive')).toBe(2);
    expect(http('POST /queues/groups/:group/acks')).toBe(2);
    expect(http('PUT /queues/groups/:group')).toBe(1);
    expect(http('POST /streams/groups/:group/members')).toBe(2);
    expect(http('POST /streams/groups/:group/offsets')).toBe(2);
  });
});
