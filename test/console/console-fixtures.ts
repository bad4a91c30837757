import request from 'supertest';

/** What the console tests create through the public API before they open the console. */
export const FIXTURE = {
  topic: 'orders',
  partitions: 3,
  streamGroup: 'analytics',
  shareTopic: 'payments',
  shareGroup: 'billing',
  deadLetterTopic: 'dlq.billing.payments',
  timedTopic: 'clock',
} as const;

/**
 * The first record of the timed topic, 2025-11-22T05:40:00Z (within retention of the test
 * broker's clock); one record a minute after it.
 */
export const TIMED_START_MS = 1_763_790_000_000;

async function call(
  url: string,
  method: 'get' | 'post' | 'put',
  path: string,
  body?: object,
): Promise<any> {
  const req = request(url)[method](path);
  const res = body === undefined ? await req : await req.send(body);
  if (res.status >= 300) {
    throw new Error(`${method.toUpperCase()} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return res.body;
}

export const apiGet = (url: string, path: string): Promise<any> => call(url, 'get', path);
export const apiPost = (url: string, path: string, body: object): Promise<any> =>
  call(url, 'post', path, body);

/**
 * A topic with JSON, text and binary records; a stream group with one member that committed
 * offset 5 in each partition; a share group with records acquired, accepted and rejected (so its
 * dead-letter topic holds two records).
 */
export async function createFixtures(url: string): Promise<void> {
  await call(url, 'post', '/topics', { name: FIXTURE.topic, partitions: FIXTURE.partitions });
  const records: object[] = [];
  for (let i = 0; i < 30; i++) {
    records.push({
      key: `user-${i % 7}`,
      value: { order: i, item: i % 2 === 0 ? 'book' : 'pen', qty: (i % 3) + 1 },
      headers: { 'trace-id': `t-${i}` },
      partition: i % FIXTURE.partitions,
    });
  }
  records.push({ valueBase64: 'AAECA/7/', partition: 0, headers: { kind: 'binary' } });
  records.push({ value: 'plain text', partition: 0 });
  await call(url, 'post', `/topics/${FIXTURE.topic}/records`, { records });

  const joined = await call(url, 'post', `/streams/groups/${FIXTURE.streamGroup}/members`, {
    topics: [FIXTURE.topic],
    autoOffsetReset: 'earliest',
    autoCommit: false,
    // The test moves the broker's clock; the member stays.
    sessionTimeoutMs: 1_800_000,
  });
  await call(url, 'post', `/streams/groups/${FIXTURE.streamGroup}/offsets`, {
    memberId: joined.memberId,
    generation: joined.generation,
    offsets: joined.assignment.map((p: { topic: string; partition: number }) => ({
      ...p,
      offset: 5,
    })),
  });

  await call(url, 'post', `/topics/${FIXTURE.shareTopic}/records`, {
    records: Array.from({ length: 8 }, (_, i) => ({
      key: `payment-${i}`,
      value: { payment: i, amount: 10 * (i + 1) },
      headers: { source: 'checkout' },
    })),
  });
  await call(url, 'put', `/queues/groups/${FIXTURE.shareGroup}`, {
    topics: [FIXTURE.shareTopic],
    maxDeliveryCount: 3,
  });
  const received = await call(url, 'post', `/queues/groups/${FIXTURE.shareGroup}/receive`, {
    maxRecords: 5,
  });
  const [first, second, third, fourth] = received.records as Array<{ receipt: string }>;
  await call(url, 'post', `/queues/groups/${FIXTURE.shareGroup}/acks`, {
    acks: [
      { receipt: first!.receipt, type: 'accept' },
      { receipt: second!.receipt, type: 'reject', error: 'card declined' },
      { receipt: third!.receipt, type: 'reject', error: 'amount missing' },
      { receipt: fourth!.receipt, type: 'release', delayMs: 0 },
    ],
  });
  // The released record comes again: a redelivery.
  await call(url, 'post', `/queues/groups/${FIXTURE.shareGroup}/receive`, { maxRecords: 10 });

  await call(url, 'post', `/topics/${FIXTURE.timedTopic}/records`, {
    records: Array.from({ length: 5 }, (_, i) => ({
      value: { minute: i },
      timestampMs: TIMED_START_MS + i * 60_000,
    })),
  });
}
