import { Admin } from '../src/admin';
import { WeirError } from '../src/errors';
import { Producer } from '../src/producer';
import { useRealBroker } from './support/real-broker';

const codeOrOffset = (settled: PromiseSettledResult<{ offset: number }>) =>
  settled.status === 'fulfilled' ? 'ok' : (settled.reason as WeirError).code;

describe('Producer: one send() does not share the fate of another', () => {
  const fixture = useRealBroker({ WEIR_MAX_BATCH_RECORDS: '10' });

  it('fails only the oversized record of one send, not the records of a send that shared its request', async () => {
    await new Admin(fixture.url).createTopic('orders', { config: { maxMessageBytes: 100 } });
    const producer = new Producer({ url: fixture.url, lingerMs: 20, maxBatch: 10 });
    const good = await producer.send(
      'orders',
      Array.from({ length: 6 }, (_x, i) => ({ value: i })),
    );
    const mixed = await producer.send('orders', [{ value: 'ok' }, { value: 'x'.repeat(500) }]);
    await producer.flush();

    expect((await Promise.allSettled(good)).map(codeOrOffset)).toEqual(Array(6).fill('ok'));
    const settled = await Promise.allSettled(mixed);
    expect(settled.map(codeOrOffset)).toEqual(['ok', 'RECORD_TOO_LARGE']);
    const refusal = (settled[1] as PromiseRejectedResult).reason as WeirError;
    expect(refusal.details).toMatchObject({ index: 1 });
    expect(refusal.message).toContain('records[1]');
    const topic = await new Admin(fixture.url).describeTopic('orders');
    expect(topic.partitions[0]?.logEndOffset).toBe(7);
  });

  it('splits a request the broker finds too large instead of failing its records', async () => {
    const producer = new Producer({ url: fixture.url, lingerMs: 5, maxBatch: 25 });
    const metadata = await producer.produce(
      'events',
      Array.from({ length: 25 }, (_x, i) => ({ value: i, partition: 0 })),
    );
    expect(metadata.map((m) => m.offset)).toEqual(Array.from({ length: 25 }, (_x, i) => i));
    await producer.close();
  });
});
