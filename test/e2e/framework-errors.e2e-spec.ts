import { useBroker } from '../support/broker-fixture';
import { QueueClient } from '../support/queue-client';
import { RawAnswer, rawRequest } from '../support/raw-http';
import { WsTestClient } from '../support/ws-client';

const JSON_TYPE = { 'content-type': 'application/json' };
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

/** The answer parsed as Weir's error shape, checked to be small. */
function weirError(answer: RawAnswer): { code: string; message: string; details?: unknown } {
  expect(answer.contentType).toMatch(/^application\/json/);
  expect(answer.text.length).toBeLessThan(4096);
  const body = JSON.parse(answer.text) as { error?: { code?: unknown; message?: unknown } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(typeof body.error?.code).toBe('string');
  expect(typeof body.error?.message).toBe('string');
  return body.error as { code: string; message: string };
}

describe('what the HTTP framework refuses, in the broker error shape', () => {
  const fixture = useBroker({
    WEIR_MAX_REQUEST_BYTES: '1048576',
    WEIR_DEFAULT_MAX_MESSAGE_BYTES: '1024',
  });
  const url = () => fixture.broker.url;

  it.each([
    ['a bad percent escape in the path', 'GET', '/topics/%zz', 400, 'INVALID_REQUEST'],
    ['a bad percent escape in the first segment', 'GET', '/%zz', 400, 'INVALID_REQUEST'],
    [
      'a path segment over the router limit',
      'GET',
      `/topics/${'a'.repeat(2000)}`,
      414,
      'URL_TOO_LONG',
    ],
    ['an unknown route', 'GET', '/nothing/here', 404, 'ROUTE_NOT_FOUND'],
    ['an unknown method', 'PROPFIND', '/topics', 404, 'ROUTE_NOT_FOUND'],
  ])('answers %s', async (_label, method, path, status, code) => {
    const answer = await rawRequest(url(), method, path);
    expect({ status: answer.status, code: weirError(answer).code }).toEqual({ status, code });
  });

  it('answers a URL longer than the header limit with 431', async () => {
    const answer = await rawRequest(url(), 'GET', `/topics/${'a'.repeat(20_000)}`);
    expect({ status: answer.status, code: weirError(answer).code }).toEqual({
      status: 431,
      code: 'HEADERS_TOO_LARGE',
    });
  });

  it('accepts a topic name of 249 characters in the path', async () => {
    const name = 'n'.repeat(249);
    await new QueueClient(url()).produce(name, [{ value: 1 }]);
    const answer = await rawRequest(url(), 'GET', `/topics/${name}`);
    expect(answer.status).toBe(200);
  });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['form encoding', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['XML', { 'content-type': 'application/xml' }],
    ['no content type', {}],
  ])('answers a body sent as %s with 415 naming application/json', async (_label, headers) => {
    const answer = await rawRequest(
      url(),
      'POST',
      '/topics/t/records',
      headers,
      JSON.stringify({ records: [{ value: 1 }] }),
    );
    const error = weirError(answer);
    expect({ status: answer.status, code: error.code }).toEqual({
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
    expect(error.message).toContain('application/json');
  });

  it.each([
    ['malformed JSON', '{"records": ['],
    ['an empty body', ''],
  ])('answers %s with 400', async (_label, body) => {
    const answer = await rawRequest(url(), 'POST', '/topics/t/records', JSON_TYPE, body);
    expect({ status: answer.status, code: weirError(answer).code }).toEqual({
      status: 400,
      code: 'INVALID_REQUEST',
    });
  });

  it('answers a body over the request limit with 413', async () => {
    const body = JSON.stringify({ records: [{ value: 'x'.repeat(1_100_000) }] });
    const answer = await rawRequest(url(), 'POST', '/topics/t/records', JSON_TYPE, body);
    expect({ status: answer.status, code: weirError(answer).code }).toEqual({
      status: 413,
      code: 'REQUEST_TOO_LARGE',
    });
  });

  it('answers a produce value nested 10,000 deep with 400 JSON_TOO_DEEP and writes nothing', async () => {
    const body = `{"records":[{"value":${nested(10_000)}}]}`;
    const answer = await rawRequest(url(), 'POST', '/topics/deep/records', JSON_TYPE, body);
    expect({ status: answer.status, code: weirError(answer).code }).toEqual({
      status: 400,
      code: 'JSON_TOO_DEEP',
    });
    expect((await rawRequest(url(), 'GET', '/topics/deep')).status).toBe(404);
  });

  it('accepts a produce value nested within the limit', async () => {
    const body = `{"records":[{"value":${nested(50)}}]}`;
    const answer = await rawRequest(url(), 'POST', '/topics/shallow/records', JSON_TYPE, body);
    expect(answer.status).toBe(200);
  });

  it('answers an ack receipt nested 10,000 deep with 400 JSON_TOO_DEEP', async () => {
    await new QueueClient(url()).putGroup('g', { topics: ['jobs'] });
    const body = `{"acks":[{"receipt":${nested(10_000)},"type":"accept"}]}`;
    const answer = await rawRequest(url(), 'POST', '/queues/groups/g/acks', JSON_TYPE, body);
    expect({ status: answer.status, code: weirError(answer).code }).toEqual({
      status: 400,
      code: 'JSON_TOO_DEEP',
    });
  });

  it('answers a WebSocket frame nested 10,000 deep with an error frame and keeps the socket', async () => {
    const ws = await WsTestClient.connect(fixture.broker.wsUrl);
    try {
      ws.sendRaw(
        `{"type":"produce","requestId":"deep","topic":"t","records":[{"value":${nested(10_000)}}]}`,
      );
      const answer = await ws.waitFor((f) => f.type === 'error');
      expect((answer.error as { code: string }).code).toBe('JSON_TOO_DEEP');
      expect(JSON.stringify(answer).length).toBeLessThan(4096);
      const ok = await ws.request({ type: 'produce', topic: 't', records: [{ value: 1 }] });
      expect(ok.type).not.toBe('error');
    } finally {
      await ws.close();
    }
  });

  it('answers a batch of 10,000 bad records with a small body that counts the rest', async () => {
    const records = Array.from({ length: 10_000 }, () => ({ partition: -1, colour: 'red' }));
    const answer = await rawRequest(
      url(),
      'POST',
      '/topics/t/records',
      JSON_TYPE,
      JSON.stringify({ records }),
    );
    const error = weirError(answer) as {
      code: string;
      details: { problems: unknown[]; moreProblems: number };
    };
    expect({ status: answer.status, code: error.code }).toEqual({
      status: 400,
      code: 'INVALID_REQUEST',
    });
    expect(error.details.problems).toHaveLength(10);
    expect(error.details.moreProblems).toBe(20_000 - 10);
  });

  it('answers an unknown key of 100,000 characters with a small body', async () => {
    const body = JSON.stringify({ records: [{ value: 1 }], ['k'.repeat(100_000)]: 1 });
    const answer = await rawRequest(url(), 'POST', '/topics/t/records', JSON_TYPE, body);
    expect({ status: answer.status, code: weirError(answer).code }).toEqual({
      status: 400,
      code: 'INVALID_REQUEST',
    });
  });
});
