import request from 'supertest';
import { makeTempDir } from '../support/temp-dir';
import { startTestBroker, TestBroker } from '../support/test-app';

describe('retention', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker;

  beforeEach(async () => {
    dir = makeTempDir();
    broker = await startTestBroker(dir.path, { WEIR_RETENTION_INTERVAL_MS: '1000' });
  });

  afterEach(async () => {
    await broker.close();
    dir.remove();
  });

  const produce = (topic: string, values: unknown[]) =>
    request(broker.url)
      .post(`/topics/${topic}/records`)
      .send({ records: values.map((value) => ({ value })) })
      .expect(200);

  it('deletes expired records on the clock and moves the log start offset', async () => {
    await request(broker.url)
      .post('/topics')
      .send({ name: 'short', config: { retentionMs: 60_000 } })
      .expect(201);
    await produce('short', ['old-1', 'old-2', 'old-3']);
    await broker.clock.advanceAsync(30_000);
    await produce('short', ['new-1']);

    await broker.clock.advanceAsync(31_000); // the cleaner runs each second: at 61 s the old ones are past 60 s
    const topic = await request(broker.url).get('/topics/short').expect(200);
    expect(topic.body.partitions[0]).toMatchObject({
      logStartOffset: 3,
      logEndOffset: 4,
      records: 1,
    });

    const page = await request(broker.url).get('/topics/short/partitions/0/records').expect(200);
    expect(page.body.records.map((r: { value: string }) => r.value)).toEqual(['new-1']);

    const below = await request(broker.url)
      .get('/topics/short/partitions/0/records?offset=1')
      .expect(422);
    expect(below.body.error.code).toBe('OFFSET_OUT_OF_RANGE');
    expect(below.body.error.details).toEqual({ logStartOffset: 3, logEndOffset: 4 });
  });

  it('deletes the oldest records while a partition is over retentionBytes', async () => {
    await request(broker.url)
      .post('/topics')
      .send({ name: 'sized', config: { retentionMs: -1, retentionBytes: 25 } })
      .expect(201);
    await produce('sized', ['aaaaaaaa', 'bbbbbbbb', 'cccccccc', 'dddddddd']); // 10 bytes each as JSON
    await broker.clock.advanceAsync(1000);
    const topic = await request(broker.url).get('/topics/sized').expect(200);
    expect(topic.body.partitions[0]).toMatchObject({
      logStartOffset: 2,
      logEndOffset: 4,
      bytes: 20,
    });
  });

  it('keeps records forever when retentionMs is -1, while the default of 7 days applies elsewhere', async () => {
    await broker.close();
    broker = await startTestBroker(dir.path, { WEIR_RETENTION_INTERVAL_MS: '3600000' });
    await request(broker.url)
      .post('/topics')
      .send({ name: 'forever', config: { retentionMs: -1 } })
      .expect(201);
    await request(broker.url).post('/topics').send({ name: 'weekly' }).expect(201);
    await produce('forever', [1, 2]);
    await produce('weekly', [1, 2]);
    await broker.clock.advanceAsync(30 * 24 * 3600 * 1000); // 720 hourly runs
    const forever = await request(broker.url).get('/topics/forever').expect(200);
    expect(forever.body.partitions[0]).toMatchObject({ logStartOffset: 0, records: 2 });
    const weekly = await request(broker.url).get('/topics/weekly').expect(200);
    expect(weekly.body.partitions[0]).toMatchObject({ logStartOffset: 2, records: 0 });
  });

  it('moves groups past records retention deleted and counts what they skipped', async () => {
    await request(broker.url)
      .post('/topics')
      .send({ name: 'fleeting', config: { retentionMs: 10_000 } })
      .expect(201);
    await request(broker.url)
      .put('/queues/groups/slow')
      .send({ topics: ['fleeting'] })
      .expect(200);
    const join = await request(broker.url)
      .post('/streams/groups/readers/members')
      .send({ topics: ['fleeting'], autoOffsetReset: 'earliest', sessionTimeoutMs: 600_000 })
      .expect(201);
    const member = join.body.memberId as string;
    await produce('fleeting', ['a', 'b', 'c']);
    const firstPoll = await request(broker.url)
      .post(`/streams/groups/readers/members/${member}/poll`)
      .send({ maxRecords: 1 })
      .expect(200);
    expect(firstPoll.body.records.map((r: { value: string }) => r.value)).toEqual(['a']);
    await broker.clock.advanceAsync(11_000); // a, b, c are deleted
    await produce('fleeting', ['d']);

    const share = await request(broker.url)
      .post('/queues/groups/slow/receive')
      .send({})
      .expect(200);
    expect(share.body.records.map((r: { value: string }) => r.value)).toEqual(['d']);
    const poll = await request(broker.url)
      .post(`/streams/groups/readers/members/${member}/poll`)
      .send({})
      .expect(200);
    expect(poll.body.records.map((r: { value: string }) => r.value)).toEqual(['d']);

    const text = (await request(broker.url).get('/metrics').expect(200)).text;
    expect(text).toContain(
      'weir_group_retention_skipped_records_total{group="slow",topic="fleeting"} 3',
    );
    expect(text).toContain(
      'weir_group_retention_skipped_records_total{group="readers",topic="fleeting"} 2',
    );
  });
});
