import request from 'supertest';
import { Storage } from '../../src/persistence/port/storage';
import { useBroker } from '../support/broker-fixture';
import { QueueClient } from '../support/queue-client';

describe('a dead-letter write that fails after auto-creating its dead-letter topic', () => {
  const fixture = useBroker();

  it('leaves no record in the dead-letter topic and keeps the source record to archive again', async () => {
    const { app, url } = fixture.broker;
    const q = new QueueClient(url);
    await q.produce('jobs', [{ value: 'job' }]);
    await q.putGroup('g', { topics: ['jobs'] });
    // The group's settings created it; gone, the archive below has to create it again.
    await request(url).delete('/topics/dlq.g.jobs').expect(204);
    const [held] = (await q.receive('g')).records;

    const shares = app.get(Storage).shares;
    const write = jest
      .spyOn(shares, 'write')
      .mockRejectedValueOnce(new Error('something later in the write failed'));
    await request(url)
      .post('/queues/groups/g/acks')
      .send({ acks: [{ receipt: held.receipt, type: 'reject' }] })
      .expect(500);
    expect(write).toHaveBeenCalledTimes(1);
    write.mockRestore();

    // Like Kafka's auto-creation, the topic stays; the failed write appended nothing to it.
    expect(await q.produce('dlq.g.jobs', [{ value: 'fresh' }])).toEqual([
      { partition: 0, offset: 0 },
    ]);
    expect((await q.readAll('dlq.g.jobs', 0)).map((r) => r.value)).toEqual(['fresh']);
    const [again] = await q.ack('g', [{ receipt: held.receipt, type: 'reject' }]);
    expect(again.ok).toBe(true);
    expect((await q.readAll('dlq.g.jobs', 0)).map((r) => r.value)).toEqual(['fresh', 'job']);
    expect((await q.describe('g')).partitions[0]).toMatchObject({ startOffset: 1, acquired: 0 });
  });
});
