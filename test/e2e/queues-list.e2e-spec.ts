import request from 'supertest';
import { useBroker } from '../support/broker-fixture';
import { QueueClient } from '../support/queue-client';

describe('GET /queues/groups', () => {
  const fixture = useBroker();

  it('answers an empty list when there are no share groups', async () => {
    const res = await request(fixture.broker.url).get('/queues/groups').expect(200);
    expect(res.body).toEqual({ groups: [] });
  });

  it('lists every group by name with lag, acquired, available and the oldest available age summed over its partitions', async () => {
    const { broker } = fixture;
    const q = new QueueClient(broker.url);
    await q.produce('mail', [{ value: 'm0' }, { value: 'm1' }]);
    broker.clock.advance(1000);
    await q.produce('jobs', [{ value: 'j0' }, { value: 'j1' }, { value: 'j2' }]);
    await q.putGroup('b', { topics: ['jobs', 'mail'] });
    await q.putGroup('a', { topics: ['jobs'] });
    await q.putGroup('gone', { topics: ['jobs'] });
    await request(broker.url).delete('/queues/groups/gone').expect(204);

    await q.receive('a', { maxRecords: 1 });
    const [mail] = (await q.receive('b', { topics: ['mail'], maxRecords: 1 })).records;
    await q.ack('b', [{ receipt: mail.receipt, type: 'accept' }]);
    await q.receive('b', { topics: ['jobs'], maxRecords: 1 });
    broker.clock.advance(5000);

    const res = await request(broker.url).get('/queues/groups').expect(200);
    expect(res.body).toEqual({
      groups: [
        {
          group: 'a',
          topics: ['jobs'],
          lag: 3,
          acquired: 1,
          available: 2,
          oldestAvailableAgeMs: 5000,
        },
        {
          group: 'b',
          topics: ['jobs', 'mail'],
          lag: 4,
          acquired: 1,
          available: 3,
          oldestAvailableAgeMs: 6000,
        },
      ],
    });
  });
});
