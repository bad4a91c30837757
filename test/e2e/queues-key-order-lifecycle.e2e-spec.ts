import request from 'supertest';
import { FakeClock } from '../support/fake-clock';
import { QueueClient } from '../support/queue-client';
import { makeTempDir } from '../support/temp-dir';
import { startTestBroker, TestBroker } from '../support/test-app';

const T0 = 1_763_800_000_000;
const LOCK = 30_000;

/** The offsets of a receive, for short expectations. */
const offsets = (records: Array<{ offset: number }>) => records.map((r) => r.offset);

describe('share groups with ordering "key": restart, reset, redrive', () => {
  let dir: ReturnType<typeof makeTempDir>;
  const brokers: TestBroker[] = [];

  const start = async (nowMs: number) => {
    const broker = await startTestBroker(dir.path, {}, new FakeClock(nowMs));
    brokers.push(broker);
    return { broker, q: new QueueClient(broker.url) };
  };

  beforeEach(() => (dir = makeTempDir()));
  afterEach(async () => {
    for (const broker of brokers.splice(0)) await broker.close();
    dir.remove();
  });

  async function orderedTopic(q: QueueClient, broker: TestBroker, body: object = {}) {
    await request(broker.url).post('/topics').send({ name: 'o', partitions: 1 }).expect(201);
    await q.putGroup('g', { topics: ['o'], ordering: 'key', ...body });
  }

  it('keeps a key waiting across a restart until the record before it is accepted', async () => {
    const first = await start(T0);
    await orderedTopic(first.q, first.broker);
    await first.q.produce('o', [
      { key: 'a', value: 0 },
      { key: 'a', value: 1 },
      { key: 'b', value: 2 },
    ]);
    const got = (await first.q.receive('g', { maxRecords: 10 })).records;
    expect(offsets(got)).toEqual([0, 2]);
    await first.broker.close();

    const second = await start(T0 + 1000);
    expect((await second.q.receive('g', { maxRecords: 10 })).records).toEqual([]);
    const [answer] = await second.q.ack('g', [{ receipt: got[0].receipt, type: 'accept' }]);
    expect(answer).toMatchObject({ ok: true });
    expect(offsets((await second.q.receive('g', { maxRecords: 10 })).records)).toEqual([1]);
  });

  it('delivers the earlier record again, not the next one, when its lock expired while down', async () => {
    const first = await start(T0);
    await orderedTopic(first.q, first.broker);
    await first.q.produce('o', [
      { key: 'a', value: 0 },
      { key: 'a', value: 1 },
    ]);
    expect(offsets((await first.q.receive('g', { maxRecords: 10 })).records)).toEqual([0]);
    await first.broker.close();

    const second = await start(T0 + LOCK + 1000);
    const again = (await second.q.receive('g', { maxRecords: 10 })).records;
    expect(again.map((r) => [r.offset, r.deliveryCount])).toEqual([[0, 2]]);
    await second.q.ack('g', [{ receipt: again[0].receipt, type: 'accept' }]);
    expect(offsets((await second.q.receive('g', { maxRecords: 10 })).records)).toEqual([1]);
  });

  it('hands records out in key order again after a reset to the earliest offset', async () => {
    const { broker, q } = await start(T0);
    await orderedTopic(q, broker);
    await q.produce(
      'o',
      [0, 1, 2].map((value) => ({ key: 'a', value })),
    );
    const first = (await q.receive('g', { maxRecords: 10 })).records;
    expect(offsets(first)).toEqual([0]);
    await q.ack('g', [{ receipt: first[0].receipt, type: 'accept' }]);
    expect(offsets((await q.receive('g', { maxRecords: 10 })).records)).toEqual([1]);
    await request(broker.url).post('/queues/groups/g/reset').send({ to: 'earliest' }).expect(200);
    expect(offsets((await q.receive('g', { maxRecords: 10 })).records)).toEqual([0]);
    expect((await q.receive('g', { maxRecords: 10 })).records).toEqual([]);
  });

  it('lets the next record go past a dead letter, and orders a redriven copy as a new record', async () => {
    const { broker, q } = await start(T0);
    await orderedTopic(q, broker, { maxDeliveryCount: 1 });
    await q.produce(
      'o',
      [0, 1, 2].map((value) => ({ key: 'a', value })),
    );
    const first = (await q.receive('g', { maxRecords: 10 })).records;
    expect(offsets(first)).toEqual([0]);
    await q.ack('g', [{ receipt: first[0].receipt, type: 'reject', error: 'bad' }]);
    const second = (await q.receive('g', { maxRecords: 10 })).records;
    expect(offsets(second)).toEqual([1]);

    const redrive = await request(broker.url).post('/dlq/dlq.g.o/redrive').send({}).expect(200);
    expect(redrive.body).toMatchObject({ redriven: 1 });
    // the copy (offset 3, key a) waits behind 1 and 2
    expect((await q.receive('g', { maxRecords: 10 })).records).toEqual([]);
    await q.ack('g', [{ receipt: second[0].receipt, type: 'accept' }]);
    const third = (await q.receive('g', { maxRecords: 10 })).records;
    expect(offsets(third)).toEqual([2]);
    await q.ack('g', [{ receipt: third[0].receipt, type: 'accept' }]);
    const copy = (await q.receive('g', { maxRecords: 10 })).records;
    expect(copy.map((r) => [r.offset, r.key, r.value])).toEqual([[3, 'a', 0]]);
  });
});
