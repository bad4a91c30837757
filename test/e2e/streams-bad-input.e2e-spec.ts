import request from 'supertest';
import { StreamClient } from '../support/stream-client';
import { makeTempDir } from '../support/temp-dir';
import { startTestBroker, TestBroker } from '../support/test-app';

describe('bad input to streaming consumer groups', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker;
  let memberId: string;
  let generation: number;

  beforeAll(async () => {
    dir = makeTempDir();
    broker = await startTestBroker(dir.path, { WEIR_AUTO_CREATE_TOPICS: 'false' });
    const client = new StreamClient(broker.url, 'known');
    await client.createTopic('t', 2);
    await client.produce('t', [{ partition: 0, value: 1 }]);
    ({ memberId, generation } = await client.join({ topics: ['t'] }));
  });

  afterAll(async () => {
    await broker.close();
    dir.remove();
  });

  const expectError = (res: request.Response, status: number, code: string) => {
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
    expect(res.body.error.message.length).toBeGreaterThan(0);
  };
  const api = () => request(broker.url);
  const member = (group: string, id: string) => `/streams/groups/${group}/members/${id}`;

  it.each([
    ['describe', () => api().get('/streams/groups/nope')],
    ['poll', () => api().post(`${member('nope', 'm')}/poll`)],
    ['heartbeat', () => api().post(`${member('nope', 'm')}/heartbeat`)],
    ['leave', () => api().delete(member('nope', 'm'))],
    [
      'commit',
      () =>
        api()
          .post('/streams/groups/nope/offsets')
          .send({
            memberId: 'm',
            generation: 1,
            offsets: [{ topic: 't', partition: 0, offset: 0 }],
          }),
    ],
  ])('answers %s of an unknown group with 404 GROUP_NOT_FOUND', async (_label, send) => {
    expectError(await send(), 404, 'GROUP_NOT_FOUND');
  });

  it.each([
    ['poll', () => api().post(`${member('known', 'stranger')}/poll`)],
    ['heartbeat', () => api().post(`${member('known', 'stranger')}/heartbeat`)],
    ['leave', () => api().delete(member('known', 'stranger'))],
    [
      'commit',
      () =>
        api()
          .post('/streams/groups/known/offsets')
          .send({
            memberId: 'stranger',
            generation,
            offsets: [{ topic: 't', partition: 0, offset: 0 }],
          }),
    ],
  ])('answers %s of an unknown member with 404 MEMBER_NOT_FOUND', async (_label, send) => {
    expectError(await send(), 404, 'MEMBER_NOT_FOUND');
  });

  it.each([
    ['no topics', {}, 400, 'INVALID_REQUEST'],
    ['an empty topic list', { topics: [] }, 400, 'INVALID_REQUEST'],
    ['an unknown field', { topics: ['t'], colour: 'red' }, 400, 'INVALID_REQUEST'],
    [
      'an unknown autoOffsetReset',
      { topics: ['t'], autoOffsetReset: 'none' },
      400,
      'INVALID_REQUEST',
    ],
    [
      'a fractional session timeout',
      { topics: ['t'], sessionTimeoutMs: 1.5 },
      400,
      'INVALID_REQUEST',
    ],
    [
      'a session timeout below the minimum',
      { topics: ['t'], sessionTimeoutMs: 100 },
      422,
      'INVALID_SESSION_TIMEOUT',
    ],
    ['an invalid topic name', { topics: ['no spaces'] }, 422, 'INVALID_TOPIC_NAME'],
    ['a topic that does not exist', { topics: ['missing'] }, 404, 'TOPIC_NOT_FOUND'],
  ])('refuses to join with %s', async (_label, body, status, code) => {
    expectError(await api().post('/streams/groups/known/members').send(body), status, code);
  });

  it('refuses an invalid group name with 422', async () => {
    const res = await api()
      .post('/streams/groups/no%20spaces/members')
      .send({ topics: ['t'] });
    expectError(res, 422, 'INVALID_GROUP_NAME');
  });

  it.each([
    ['maxRecords 0', { maxRecords: 0 }],
    ['a negative waitMs', { waitMs: -1 }],
    ['a string maxRecords', { maxRecords: '10' }],
  ])('refuses a poll with %s', async (_label, body) => {
    expectError(
      await api()
        .post(`${member('known', memberId)}/poll`)
        .send(body),
      400,
      'INVALID_REQUEST',
    );
  });

  it.each([
    ['offsets that are not a list', { offsets: 'all' }],
    ['no offsets', { offsets: [] }],
    ['a negative offset', { offsets: [{ topic: 't', partition: 0, offset: -1 }] }],
    ['a fractional offset', { offsets: [{ topic: 't', partition: 0, offset: 0.5 }] }],
    ['an offset without partition', { offsets: [{ topic: 't', offset: 0 }] }],
    ['no generation', { generation: undefined }],
  ])('refuses a commit with %s as malformed', async (_label, change) => {
    const body = {
      memberId,
      generation,
      offsets: [{ topic: 't', partition: 0, offset: 0 }],
      ...change,
    };
    expectError(
      await api().post('/streams/groups/known/offsets').send(body),
      400,
      'INVALID_REQUEST',
    );
  });

  it('refuses a commit beyond the log end with 422 and names the log end', async () => {
    const owned = (await api().post(`${member('known', memberId)}/heartbeat`)).body;
    const res = await api()
      .post('/streams/groups/known/offsets')
      .send({
        memberId,
        generation: owned.generation,
        offsets: [{ topic: 't', partition: 0, offset: 2 }],
      });
    expectError(res, 422, 'OFFSET_OUT_OF_RANGE');
    expect(res.body.error.details).toMatchObject({ topic: 't', partition: 0, logEndOffset: 1 });
  });

  it.each([
    ['an unknown topic', { topic: 'missing', to: 'earliest' }, 404, 'TOPIC_NOT_FOUND'],
    [
      'an unknown partition',
      { topic: 't', partitions: [9], to: 'earliest' },
      404,
      'PARTITION_NOT_FOUND',
    ],
    [
      'an offset beyond the log end',
      { topic: 't', to: { offset: 999 } },
      422,
      'OFFSET_OUT_OF_RANGE',
    ],
    ['an unknown position', { topic: 't', to: 'middle' }, 400, 'INVALID_REQUEST'],
    ['a negative offset', { topic: 't', to: { offset: -1 } }, 400, 'INVALID_REQUEST'],
    [
      'both an offset and a timestamp',
      { topic: 't', to: { offset: 0, timestampMs: 1 } },
      400,
      'INVALID_REQUEST',
    ],
  ])('refuses a reset to %s', async (_label, body, status, code) => {
    expectError(await api().post('/streams/groups/known/offsets/reset').send(body), status, code);
  });

  it('refuses a malformed member id with 400', async () => {
    expectError(await api().post(`${member('known', 'a%20b')}/heartbeat`), 400, 'INVALID_REQUEST');
  });

  it('changed nothing with all of the above', async () => {
    const view = (await api().get('/streams/groups/known').expect(200)).body;
    expect(view.members).toEqual([{ memberId, assignment: expect.any(Array) }]);
    expect(view.partitions.map((p: any) => p.committedOffset)).toEqual([null, null]);
  });
});
