import request from 'supertest';
import { murmur2, toPositive } from '../../src/modules/topics/domain/murmur2';
import { RecordLogService } from '../../src/modules/topics/record-log.service';
import { eventually } from '../support/eventually';
import { useBroker } from '../support/broker-fixture';
import type { TestBroker } from '../support/test-app';

describe('producing and reading records', () => {
  const fixture = useBroker();
  let broker: TestBroker;

  beforeEach(() => {
    broker = fixture.broker;
  });

  const produce = (topic: string, records: object[]) =>
    request(broker.url).post(`/topics/${topic}/records`).send({ records });
  const read = (topic: string, partition: number, query = '') =>
    request(broker.url).get(`/topics/${topic}/partitions/${partition}/records?${query}`);

  it('round-trips JSON, string and binary values, keys and headers exactly', async () => {
    const binary = Buffer.from([0, 1, 2, 250, 255]).toString('base64');
    const sent = [
      {
        key: 'user-7',
        value: { any: 'json', n: [1, 2.5, null, true], s: 'ünïcødé' },
        headers: { 'trace-id': 'abc', b: '2' },
      },
      { value: 'a plain string' },
      { keyBase64: 'AP8=', valueBase64: binary },
      { value: 0 },
      { key: 'only-key' },
      { value: [], timestampMs: 1234 },
    ];
    const produced = await produce('rt', sent).expect(200);
    expect(produced.body.offsets).toEqual(sent.map((_r, i) => ({ partition: 0, offset: i })));

    const page = await read('rt', 0, 'offset=0').expect(200);
    const records = page.body.records;
    expect(records).toHaveLength(sent.length);
    expect(records[0]).toEqual({
      topic: 'rt',
      partition: 0,
      offset: 0,
      timestampMs: broker.clock.now(),
      key: 'user-7',
      value: sent[0]!.value,
      headers: { 'trace-id': 'abc', b: '2' },
    });
    expect(records[1].value).toBe('a plain string');
    expect(records[2].keyBase64).toBe('AP8=');
    expect(records[2].valueBase64).toBe(binary);
    expect(records[2]).not.toHaveProperty('value');
    expect(records[3].value).toBe(0);
    expect(records[4]).not.toHaveProperty('value');
    expect(records[4].key).toBe('only-key');
    expect(records[5].timestampMs).toBe(1234);
    expect(page.body).toMatchObject({ nextOffset: 6, logStartOffset: 0, logEndOffset: 6 });
  });

  it('gives 50 concurrent producers dense offsets with no gap or duplicate, matching the log', async () => {
    await request(broker.url).post('/topics').send({ name: 'busy', partitions: 1 }).expect(201);
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_x, producer) =>
        produce(
          'busy',
          [0, 1, 2, 3].map((i) => ({ value: { producer, i } })),
        ).expect(200),
      ),
    );
    const byOffset = new Map<number, { producer: number; i: number }>();
    answers.forEach((res, producer) => {
      (res.body.offsets as Array<{ partition: number; offset: number }>).forEach((o, i) => {
        expect(o.partition).toBe(0);
        expect(byOffset.has(o.offset)).toBe(false);
        byOffset.set(o.offset, { producer, i });
      });
    });
    expect([...byOffset.keys()].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 200 }, (_x, i) => i),
    );
    const page = await read('busy', 0, 'offset=0&maxRecords=1000').expect(200);
    expect(page.body.records).toHaveLength(200);
    for (const r of page.body.records) expect(r.value).toEqual(byOffset.get(r.offset));
  });

  it('puts keyed records on toPositive(murmur2(key)) % partitions', async () => {
    await request(broker.url).post('/topics').send({ name: 'keyed', partitions: 6 }).expect(201);
    const keys = ['21', 'foobar', 'a-little-bit-long-string', 'abc', 'user-1', 'user-2', 'user-3'];
    const res = await produce(
      'keyed',
      keys.map((key) => ({ key, value: key })),
    ).expect(200);
    res.body.offsets.forEach((o: { partition: number }, i: number) => {
      expect(o.partition).toBe(toPositive(murmur2(Buffer.from(keys[i]!))) % 6);
    });
    // Kafka's vectors, worked by hand: toPositive(-790332482) % 6 for 'foobar'
    expect(res.body.offsets[1].partition).toBe((-790332482 & 0x7fffffff) % 6);
  });

  it('honours an explicit partition and spreads unkeyed requests round-robin', async () => {
    await request(broker.url).post('/topics').send({ name: 'rr', partitions: 3 }).expect(201);
    const explicit = await produce('rr', [{ key: 'foobar', partition: 2 }]).expect(200);
    expect(explicit.body.offsets[0].partition).toBe(2);
    const partitions: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await produce('rr', [{ value: i }, { value: i }]).expect(200);
      expect(res.body.offsets[0].partition).toBe(res.body.offsets[1].partition);
      partitions.push(res.body.offsets[0].partition);
    }
    expect(new Set(partitions).size).toBe(3);
  });

  it('auto-creates a topic on first produce with the default partition count', async () => {
    await produce('fresh', [{ value: 1 }]).expect(200);
    const topic = await request(broker.url).get('/topics/fresh').expect(200);
    expect(topic.body.partitions).toHaveLength(1);
  });

  it('reads from an offset with maxRecords and reports the next offset', async () => {
    await produce(
      'paged',
      Array.from({ length: 10 }, (_x, i) => ({ value: i })),
    ).expect(200);
    const page = await read('paged', 0, 'offset=3&maxRecords=4').expect(200);
    expect(page.body.records.map((r: { value: number }) => r.value)).toEqual([3, 4, 5, 6]);
    expect(page.body.nextOffset).toBe(7);
    const end = await read('paged', 0, 'offset=10').expect(200);
    expect(end.body).toMatchObject({ records: [], nextOffset: 10, logEndOffset: 10 });
  });

  it('answers a long-poll read as soon as a record is produced', async () => {
    await produce('lp', [{ value: 'first' }]).expect(200);
    // The fake clock never advances here, so only the produce can end the wait.
    const waiting = read('lp', 0, 'offset=1&waitMs=30000').then((res) => res);
    await eventually(() => broker.app.get(RecordLogService).waitingReads === 1);
    await produce('lp', [{ value: 'second' }]).expect(200);
    const res = await waiting;
    expect(res.status).toBe(200);
    expect(res.body.records.map((r: { value: string }) => r.value)).toEqual(['second']);
  });

  it('ends a long-poll with no records when its wait passes on the clock', async () => {
    await produce('lp2', [{ value: 'x' }]).expect(200);
    const waiting = read('lp2', 0, 'offset=1&waitMs=1000').then((res) => res);
    await eventually(() => broker.app.get(RecordLogService).waitingReads === 1);
    broker.clock.advance(1000);
    const res = await waiting;
    expect(res.body).toMatchObject({ records: [], nextOffset: 1 });
  });
});
