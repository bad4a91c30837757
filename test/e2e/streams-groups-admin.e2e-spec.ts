import request from 'supertest';
import { useBroker } from '../support/broker-fixture';
import { StreamClient } from '../support/stream-client';
import { startTestBroker } from '../support/test-app';

describe('streaming consumer group listing and deletion', () => {
  const fixture = useBroker();
  const api = () => request(fixture.broker.url);

  /** Group `live` with one member on `t` (2 partitions, 5 records each), committed at 2 and 3. */
  async function liveGroup(): Promise<{ client: StreamClient; memberId: string }> {
    const client = new StreamClient(fixture.broker.url, 'live');
    await client.createTopic('t', 2);
    for (const partition of [0, 1]) {
      await client.produce(
        't',
        Array.from({ length: 5 }, (_x, i) => ({ partition, value: i })),
      );
    }
    const { memberId, generation } = await client.join({ topics: ['t'], autoCommit: false });
    await client.commit(memberId, generation, [
      { topic: 't', partition: 0, offset: 2 },
      { topic: 't', partition: 1, offset: 3 },
    ]);
    return { client, memberId };
  }

  it('lists every group with its generation, member count, topics and total lag', async () => {
    await liveGroup();
    await new StreamClient(fixture.broker.url, 'idle').reset({ topic: 't', to: 'earliest' });
    const res = await api().get('/streams/groups').expect(200);
    expect(res.body).toEqual({
      groups: [
        { group: 'idle', generation: 0, members: 0, topics: ['t'], lag: 10 },
        { group: 'live', generation: 1, members: 1, topics: ['t'], lag: 5 },
      ],
    });
  });

  it('lists no groups on a fresh broker', async () => {
    expect((await api().get('/streams/groups').expect(200)).body).toEqual({ groups: [] });
  });

  it('refuses to delete a group with members with 409 GROUP_NOT_EMPTY and keeps its offsets', async () => {
    const { client } = await liveGroup();
    const res = await api().delete('/streams/groups/live');
    expect([res.status, res.body.error.code]).toEqual([409, 'GROUP_NOT_EMPTY']);
    const view = await client.describe();
    expect(view.partitions.map((p: any) => p.committedOffset)).toEqual([2, 3]);
  });

  it('deletes a group without members and its committed offsets, for good', async () => {
    const { client, memberId } = await liveGroup();
    await client.leave(memberId);
    await api().delete('/streams/groups/live').expect(204);

    expect((await api().get('/streams/groups/live')).status).toBe(404);
    expect((await api().get('/streams/groups').expect(200)).body).toEqual({ groups: [] });
    const metrics = (await api().get('/metrics').expect(200)).text;
    expect(metrics).not.toContain('group="live"');
    const again = await api().delete('/streams/groups/live');
    expect([again.status, again.body.error.code]).toEqual([404, 'GROUP_NOT_FOUND']);

    // a new member starts without committed offsets, also after a restart
    await fixture.broker.close();
    const restarted = await startTestBroker(fixture.dataDir);
    try {
      expect((await request(restarted.url).get('/streams/groups/live')).status).toBe(404);
      const fresh = new StreamClient(restarted.url, 'live');
      const joined = await fresh.join({ topics: ['t'], autoOffsetReset: 'earliest' });
      const polled = await fresh.poll(joined.memberId, { maxRecords: 100 });
      expect(polled.records).toHaveLength(10);
    } finally {
      await restarted.close();
    }
  });

  it('answers 404 GROUP_NOT_FOUND when deleting a group that never existed', async () => {
    const res = await api().delete('/streams/groups/nobody');
    expect([res.status, res.body.error.code]).toEqual([404, 'GROUP_NOT_FOUND']);
  });
});
