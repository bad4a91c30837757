import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Admin } from '../src/admin';
import { WeirError } from '../src/errors';
import { Producer } from '../src/producer';
import { useRealBroker } from './support/real-broker';
import { eventually } from '../../../test/support/eventually';

/** One request the stub broker received; `answer` sends its response. */
interface StubRequest {
  records: unknown[];
  answer: (status: number, body: unknown) => void;
  drop: () => void;
}

/** A stand-in for the broker's produce endpoint that the test answers request by request. */
async function startStub(): Promise<{
  url: string;
  requests: StubRequest[];
  close: () => Promise<void>;
}> {
  const requests: StubRequest[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      requests.push({
        records: (JSON.parse(body) as { records: unknown[] }).records,
        answer: (status, answer) =>
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer)),
        drop: () => req.socket.destroy(),
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const offsets = (n: number, from = 0) =>
  Array.from({ length: n }, (_x, i) => ({ partition: 0, offset: from + i }));

describe('Producer', () => {
  describe('against a stub broker', () => {
    let stub: Awaited<ReturnType<typeof startStub>>;
    beforeEach(async () => (stub = await startStub()));
    afterEach(() => stub.close());

    it('retries a 503 and a dropped connection with backoff, then resolves each record', async () => {
      const producer = new Producer({
        url: stub.url,
        lingerMs: 0,
        retryBackoff: { initialMs: 1, maxMs: 5 },
      });
      const pending = await producer.send('t', [{ value: 'a' }, { value: 'b' }]);
      await eventually(() => stub.requests.length === 1, 5000, 'first attempt');
      stub.requests[0]!.answer(503, { error: { code: 'NOT_READY', message: 'starting' } });
      await eventually(() => stub.requests.length === 2, 5000, 'second attempt');
      stub.requests[1]!.drop();
      await eventually(() => stub.requests.length === 3, 5000, 'third attempt');
      stub.requests[2]!.answer(200, { offsets: offsets(2, 7) });
      await expect(Promise.all(pending)).resolves.toEqual([
        { topic: 't', partition: 0, offset: 7 },
        { topic: 't', partition: 0, offset: 8 },
      ]);
      expect(stub.requests.map((r) => r.records)).toEqual(
        Array(3).fill([{ value: 'a' }, { value: 'b' }]),
      );
    });

    it('fails only the record a refused request names, and does not retry a 4xx', async () => {
      const producer = new Producer({ url: stub.url, lingerMs: 0 });
      const pending = await producer.send('t', [{ value: 1 }, { value: 2 }, { value: 3 }]);
      await eventually(() => stub.requests.length === 1, 5000, 'first request');
      stub.requests[0]!.answer(413, {
        error: {
          code: 'RECORD_TOO_LARGE',
          message: 'records[1] is too large',
          details: { index: 1 },
        },
      });
      await eventually(() => stub.requests.length === 2, 5000, 'the others again');
      expect(stub.requests[1]!.records).toEqual([{ value: 1 }, { value: 3 }]);
      stub.requests[1]!.answer(422, { error: { code: 'INVALID_TOPIC_NAME', message: 'bad name' } });
      const settled = await Promise.allSettled(pending);
      expect(
        settled.map((s) => (s.status === 'rejected' ? (s.reason as WeirError).code : 'ok')),
      ).toEqual(['INVALID_TOPIC_NAME', 'RECORD_TOO_LARGE', 'INVALID_TOPIC_NAME']);
      expect((settled[1] as PromiseRejectedResult).reason).toMatchObject({ status: 413 });
      expect(stub.requests).toHaveLength(2);
    });

    it('keeps at most maxInFlight requests open and makes send wait while the buffer is full', async () => {
      const producer = new Producer({
        url: stub.url,
        lingerMs: 0,
        maxBatch: 10,
        maxInFlight: 2,
        maxBufferedRecords: 20,
      });
      let queued = false;
      const sending = producer
        .send(
          't',
          Array.from({ length: 100 }, (_x, i) => ({ value: i })),
        )
        .then((pending) => {
          queued = true;
          return pending;
        });
      await eventually(() => stub.requests.length === 2, 5000, 'two requests open');
      // 2 requests of 10 in flight and 20 queued behind them: 60 records still wait in send.
      expect(queued).toBe(false);
      let answered = 0;
      while (answered < 10) {
        await eventually(() => stub.requests.length > answered, 5000, `request ${answered + 1}`);
        expect(stub.requests.length - answered).toBeLessThanOrEqual(2);
        stub.requests[answered]!.answer(200, { offsets: offsets(10, answered * 10) });
        answered += 1;
      }
      const metadata = await Promise.all(await sending);
      expect(metadata.map((m) => m.offset)).toEqual(Array.from({ length: 100 }, (_x, i) => i));
      expect(stub.requests).toHaveLength(10);
      await producer.close();
      await expect(producer.send('t', [{ value: 'late' }])).rejects.toMatchObject({
        code: 'CLOSED',
      });
    });
  });

  describe('against a real broker', () => {
    const fixture = useRealBroker();

    it('sends keyed records to one partition in order and round-trips bytes', async () => {
      await new Admin(fixture.url).createTopic('keyed', { partitions: 3 });
      const producer = new Producer({ url: fixture.url, lingerMs: 2, maxBatch: 7, maxInFlight: 1 });
      const pending = await producer.send(
        'keyed',
        Array.from({ length: 30 }, (_x, i) => ({ key: 'user-7', value: i })),
      );
      const binary = await producer.send('keyed', [
        { key: Buffer.from([0, 1]), value: Buffer.from([1, 2, 3]), partition: 2 },
      ]);
      await producer.flush();
      const metadata = await Promise.all(pending);
      expect(new Set(metadata.map((m) => m.partition)).size).toBe(1);
      const page = await new Admin(fixture.url).readRecords('keyed', metadata[0]!.partition, {
        offset: 0,
      });
      const keyed = page.records.filter((r) => r.key === 'user-7');
      expect(keyed.map((r) => r.value)).toEqual(metadata.map((_m, i) => i));
      expect(keyed.map((r) => r.offset)).toEqual(metadata.map((m) => m.offset));
      const [where] = await Promise.all(binary);
      expect(where).toMatchObject({ topic: 'keyed', partition: 2 });
      const raw = await new Admin(fixture.url).readRecords('keyed', 2, { offset: where!.offset });
      expect(raw.records[0]).toMatchObject({ keyBase64: 'AAE=', valueBase64: 'AQID' });
    });
  });
});
