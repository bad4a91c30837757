import request from 'supertest';
import { useBroker } from '../support/broker-fixture';
import { QueueClient } from '../support/queue-client';
import { StreamClient } from '../support/stream-client';
import { WsTestClient } from '../support/ws-client';

/** Records of every kind the log keeps: JSON, text and binary values and keys, headers, nulls. */
const SENT = [
  {
    key: 'user-7',
    value: { any: 'json', n: [1, 2.5, null, true], s: 'ünïcødé "quoted" \\ slash' },
    headers: { 'trace-id': 'abc', b: '2' },
  },
  { value: 'a plain string' },
  { keyBase64: 'AP8=', valueBase64: Buffer.from([0, 1, 2, 250, 255]).toString('base64') },
  { value: 0 },
  { key: 'only-key' },
  { value: [], timestampMs: 1234 },
  { value: null, headers: { empty: '' } },
];

const DELIVERY_FIELDS = ['deliveryCount', 'receipt', 'lockExpiresAtMs'];
const withoutDelivery = (record: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(record).filter(([name]) => !DELIVERY_FIELDS.includes(name)));

describe('the records every read path serves', () => {
  const fixture = useBroker();

  it('are the same on plain reads, stream polls and pushes, and share receives and pushes', async () => {
    const { url, wsUrl } = fixture.broker;
    await request(url).post('/topics/kinds/records').send({ records: SENT }).expect(200);
    const plain = (await request(url).get('/topics/kinds/partitions/0/records').expect(200)).body
      .records as Array<Record<string, unknown>>;
    expect(plain).toHaveLength(SENT.length);
    expect(plain[2]).toMatchObject({ keyBase64: 'AP8=', valueBase64: SENT[2]!.valueBase64 });
    expect(plain[4]).toEqual({
      topic: 'kinds',
      partition: 0,
      offset: 4,
      timestampMs: fixture.broker.clock.now(),
      key: 'only-key',
      headers: {},
    });
    expect(plain[6]).toEqual(expect.not.objectContaining({ value: expect.anything() }));

    const streams = new StreamClient(url, 'polling');
    const member = await streams.join({ topics: ['kinds'], autoOffsetReset: 'earliest' });
    expect((await streams.poll(member.memberId, { maxRecords: 100 })).records).toEqual(plain);

    const queues = new QueueClient(url);
    const received = await queues.receive('workers', { topics: ['kinds'], maxRecords: 100 });
    expect(received.records.map(withoutDelivery)).toEqual(plain);
    for (const r of received.records) {
      expect(r).toMatchObject({ deliveryCount: 1, receipt: expect.any(String) });
    }

    const ws = await WsTestClient.connect(wsUrl);
    try {
      ws.send({
        type: 'subscribe',
        mode: 'stream',
        group: 'pushed',
        topics: ['kinds'],
        credit: 100,
        autoOffsetReset: 'earliest',
      });
      const streamed = await ws.waitFor((f) => f.type === 'records');
      expect(streamed.records).toEqual(plain);
      ws.send({
        type: 'subscribe',
        mode: 'share',
        group: 'pushed-workers',
        topics: ['kinds'],
        credit: 100,
      });
      const shared = await ws.waitFor(
        (f) => f.type === 'records' && f.subscriptionId !== streamed.subscriptionId,
      );
      expect((shared.records as Array<Record<string, unknown>>).map(withoutDelivery)).toEqual(
        plain,
      );
    } finally {
      await ws.close();
    }
  });
});
