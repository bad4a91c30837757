import { sample } from '../../test/support/prometheus-sample';
import { BrokerMetrics } from './broker-metrics';
import { DeadLetterMetrics, DeadLetterTopicSample } from './dead-letter-metrics';
import { ShareGroupMetrics } from './share-group-metrics';

function setUp() {
  const broker = new BrokerMetrics();
  const share = new ShareGroupMetrics(broker);
  const deadLetters = new DeadLetterMetrics(broker);
  return { broker, share, deadLetters };
}

describe('metric series of topics and groups', () => {
  it('makes a sampled topic and share group exist at 0 without erasing counts', async () => {
    const { broker, share } = setUp();
    broker.recordProduced('jobs', 3, 30);
    broker.reportPartitions([
      { topic: 'jobs', partition: 0, logStartOffset: 0, logEndOffset: 3, bytes: 30 },
      { topic: 'idle', partition: 0, logStartOffset: 0, logEndOffset: 0, bytes: 0 },
    ]);
    share.collectFrom(() => [
      {
        group: 'g',
        topic: 'jobs',
        partition: 0,
        available: 0,
        acquired: 0,
        acknowledged: 0,
        archived: 0,
        lag: 0,
        oldestAvailableAgeMs: null,
      },
    ]);
    const text = await broker.render();
    expect(sample(text, 'weir_records_produced_total', { topic: 'jobs' })).toBe(3);
    expect(sample(text, 'weir_records_produced_total', { topic: 'idle' })).toBe(0);
    expect(sample(text, 'weir_retention_deleted_records_total', { topic: 'idle' })).toBe(0);
    expect(sample(text, 'weir_share_redeliveries_total', { group: 'g', topic: 'jobs' })).toBe(0);
    expect(
      sample(text, 'weir_group_retention_skipped_records_total', { group: 'g', topic: 'jobs' }),
    ).toBe(0);
  });

  it('removes every series of a deleted topic, whichever group counted it', async () => {
    const { broker, share } = setUp();
    broker.recordProduced('jobs', 1, 1);
    share.delivered('g', 'jobs', 2, 1);
    share.delivered('g', 'other', 1, 0);
    broker.groupSkippedByRetention('sg', 'jobs', 4);
    broker.topicDeleted('jobs');
    const text = await broker.render();
    expect(sample(text, 'weir_records_produced_total', { topic: 'jobs' })).toBeUndefined();
    expect(sample(text, 'weir_share_deliveries_total', { topic: 'jobs' })).toBeUndefined();
    expect(sample(text, 'weir_group_retention_skipped_records_total')).toBeUndefined();
    expect(sample(text, 'weir_share_deliveries_total', { group: 'g', topic: 'other' })).toBe(1);
  });

  it('removes the series of a deleted stream group and leaves the others', async () => {
    const { broker } = setUp();
    broker.groupSkippedByRetention('sg', 'jobs', 4);
    broker.groupSkippedByRetention('other', 'jobs', 2);
    broker.streamGroupDeleted('sg');
    const text = await broker.render();
    expect(sample(text, 'weir_group_retention_skipped_records_total', { group: 'sg' })).toBe(
      undefined,
    );
    expect(sample(text, 'weir_group_retention_skipped_records_total', { group: 'other' })).toBe(2);
  });

  it('removes the series of a deleted share group, so that one re-created starts at 0', async () => {
    const { broker, share } = setUp();
    share.delivered('g', 'jobs', 5, 2);
    share.acknowledged('g', 'jobs', 'accept');
    share.groupDeleted('g');
    expect(sample(await broker.render(), 'weir_share_deliveries_total')).toBeUndefined();
    share.delivered('g', 'jobs', 1, 0);
    expect(sample(await broker.render(), 'weir_share_deliveries_total', { group: 'g' })).toBe(1);
  });

  it('shows a dead-letter topic no record has reached at 0 for every reason', async () => {
    const { broker, deadLetters } = setUp();
    deadLetters.collectFrom((): DeadLetterTopicSample[] => [
      { topic: 'dlq.a', records: 2, oldestAgeMs: 3000, byReason: { CLIENT_REJECT: 2 } },
      { topic: 'dlq.b', records: 0, oldestAgeMs: null, byReason: {} },
    ]);
    const text = await broker.render();
    const records = (topic: string, reason: string) =>
      sample(text, 'weir_dead_letter_topic_records', { topic, reason });
    expect([
      records('dlq.a', 'CLIENT_REJECT'),
      records('dlq.a', 'DELIVERY_COUNT_EXCEEDED'),
      records('dlq.b', 'CLIENT_REJECT'),
      records('dlq.b', 'DELIVERY_COUNT_EXCEEDED'),
      sample(text, 'weir_dead_letter_topic_oldest_age_seconds', { topic: 'dlq.b' }),
    ]).toEqual([2, 0, 0, 0, 0]);
  });
});
