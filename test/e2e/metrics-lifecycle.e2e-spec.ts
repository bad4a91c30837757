import request from 'supertest';
import { TopicsService } from '../../src/modules/topics/topics.service';
import { ShareGroupsService } from '../../src/modules/queues/share-groups.service';
import { useBroker } from '../support/broker-fixture';
import { sample } from '../support/prometheus-sample';
import { QueueClient } from '../support/queue-client';
import { startTestBroker } from '../support/test-app';

type Series = [name: string, labels: Record<string, string>];

const scrape = async (url: string) => (await request(url).get('/metrics').expect(200)).text;

/** Each series with the value the scrape shows (undefined: absent), for one readable diff. */
const valuesOf = (text: string, series: readonly Series[]) =>
  series.map(([name, labels]) => [name, labels, sample(text, name, labels)]);

const topicSeries = (topic: string, partitions: number): Series[] => [
  ['weir_records_produced_total', { topic }],
  ['weir_produced_bytes_total', { topic }],
  ['weir_retention_deleted_records_total', { topic }],
  ...Array.from({ length: partitions }, (_x, p): Series[] => [
    ['weir_log_start_offset', { topic, partition: String(p) }],
    ['weir_log_end_offset', { topic, partition: String(p) }],
    ['weir_partition_bytes', { topic, partition: String(p) }],
  ]).flat(),
];

const shareGroupSeries = (group: string, topic: string, partitions: number): Series[] => [
  ['weir_share_deliveries_total', { group, topic }],
  ['weir_share_redeliveries_total', { group, topic }],
  ['weir_share_lock_expirations_total', { group, topic }],
  ['weir_share_expiry_failures_total', { group, topic }],
  ...['accept', 'release', 'reject', 'renew'].map((type): Series => [
    'weir_share_acknowledgements_total',
    { group, topic, type },
  ]),
  ...['CLIENT_REJECT', 'DELIVERY_COUNT_EXCEEDED'].map((reason): Series => [
    'weir_dead_lettered_records_total',
    { group, topic, reason },
  ]),
  ['weir_group_retention_skipped_records_total', { group, topic }],
  ...Array.from({ length: partitions }, (_x, p): Series[] => {
    const labels = { group, topic, partition: String(p) };
    return [
      ['weir_share_group_lag', labels],
      ...['available', 'acquired', 'acknowledged', 'archived'].map((state): Series => [
        'weir_share_group_records',
        { ...labels, state },
      ]),
      ['weir_share_group_oldest_available_age_seconds', labels],
    ];
  }).flat(),
];

const deadLetterSeries = (topic: string): Series[] => [
  ['weir_dead_letter_topic_records', { topic, reason: 'CLIENT_REJECT' }],
  ['weir_dead_letter_topic_records', { topic, reason: 'DELIVERY_COUNT_EXCEEDED' }],
  ['weir_dead_letter_topic_oldest_age_seconds', { topic }],
];

const atZero = (series: readonly Series[]) => series.map(([n, l]) => [n, l, 0]);
const absent = (series: readonly Series[]) => series.map(([n, l]) => [n, l, undefined]);

describe('metric series over the life of topics and groups', () => {
  const fixture = useBroker();
  const url = () => fixture.broker.url;

  async function createAll(): Promise<void> {
    await request(url()).post('/topics').send({ name: 'jobs', partitions: 2 }).expect(201);
    await new QueueClient(url()).putGroup('g', { topics: ['jobs'] });
    await request(url())
      .post('/streams/groups/sg/members')
      .send({ topics: ['jobs'] })
      .expect(201);
  }

  it('has every series of a new topic, share group and stream group at 0 right away', async () => {
    await createAll();
    const text = await scrape(url());
    const zero = [
      ...topicSeries('jobs', 2),
      ...topicSeries('dlq.g.jobs', 1),
      ...shareGroupSeries('g', 'jobs', 2),
      ...deadLetterSeries('dlq.g.jobs'),
      ['weir_group_retention_skipped_records_total', { group: 'sg', topic: 'jobs' }],
    ] as Series[];
    expect(valuesOf(text, zero)).toEqual(atZero(zero));
    expect(sample(text, 'weir_stream_group_members', { group: 'sg' })).toBe(1);
    expect(sample(text, 'weir_stream_group_rebalances_total', { group: 'sg' })).toBe(1);
  });

  it('has them at 0 for topics and groups loaded from disk at start-up', async () => {
    await createAll();
    await fixture.broker.close();
    const again = await startTestBroker(fixture.dataDir);
    try {
      const text = await scrape(again.url);
      const zero = [
        ...topicSeries('jobs', 2),
        ...shareGroupSeries('g', 'jobs', 2),
        ...deadLetterSeries('dlq.g.jobs'),
      ];
      expect(valuesOf(text, zero)).toEqual(atZero(zero));
    } finally {
      await again.close();
    }
  });

  it('removes the series of a deleted share group and of a deleted topic', async () => {
    await createAll();
    await scrape(url());
    await request(url()).delete('/queues/groups/g').expect(204);
    const afterGroup = await scrape(url());
    const ofGroup = [...shareGroupSeries('g', 'jobs', 2), ...deadLetterSeries('dlq.g.jobs')];
    expect(valuesOf(afterGroup, ofGroup)).toEqual(absent(ofGroup));
    expect(valuesOf(afterGroup, topicSeries('jobs', 2))).toEqual(atZero(topicSeries('jobs', 2)));

    await request(url()).delete('/topics/jobs').expect(204);
    const afterTopic = await scrape(url());
    const ofTopic = [
      ...topicSeries('jobs', 2),
      ['weir_group_retention_skipped_records_total', { topic: 'jobs' }],
    ] as Series[];
    expect(valuesOf(afterTopic, ofTopic)).toEqual(absent(ofTopic));
  });

  it('starts the counters of a share group deleted and re-created under the same name at 0', async () => {
    const queue = new QueueClient(url());
    await queue.putGroup('g', { topics: ['jobs'] });
    await queue.produce('jobs', [{ value: 1 }, { value: 2 }]);
    const { records } = await queue.receive('g', { maxRecords: 2 });
    await queue.ack(
      'g',
      records.map((r: { receipt: string }) => ({ receipt: r.receipt, type: 'accept' })),
    );
    const labels = { group: 'g', topic: 'jobs' };
    const before = await scrape(url());
    expect(sample(before, 'weir_share_deliveries_total', labels)).toBe(2);
    expect(sample(before, 'weir_share_acknowledgements_total', { ...labels, type: 'accept' })).toBe(
      2,
    );

    await request(url()).delete('/queues/groups/g').expect(204);
    await queue.putGroup('g', { topics: ['jobs'], startFrom: 'latest' });
    const after = await scrape(url());
    expect(valuesOf(after, shareGroupSeries('g', 'jobs', 1))).toEqual(
      atZero(shareGroupSeries('g', 'jobs', 1)),
    );
  });

  it('creates no share partition when it scrapes or describes a group', async () => {
    await request(url()).post('/topics').send({ name: 'grow', partitions: 1 }).expect(201);
    await new QueueClient(url()).putGroup('g', { topics: ['grow'] });
    await request(url()).patch('/topics/grow').send({ partitions: 2 }).expect(200);
    const app = fixture.broker.app;
    const topic = app.get(TopicsService).get('grow');
    const group = app.get(ShareGroupsService).get('g');

    const text = await scrape(url());
    const described = await new QueueClient(url()).describe('g');

    expect(group.get(topic.id, 1)).toBeUndefined();
    expect(
      sample(text, 'weir_share_group_lag', { group: 'g', topic: 'grow', partition: '1' }),
    ).toBe(0);
    expect(described.partitions.map((p: { partition: number }) => p.partition)).toEqual([0, 1]);
  });
});
