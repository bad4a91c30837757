import { useBroker } from '../support/broker-fixture';
import { QueueClient } from '../support/queue-client';
import { rawRequest } from '../support/raw-http';

/** A small seeded PRNG (mulberry32), so that a failure replays. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Template {
  method: string;
  path: string;
  body?: string;
}

const TEMPLATES: Template[] = [
  { method: 'POST', path: '/topics', body: '{"name":"fz","partitions":2}' },
  {
    method: 'POST',
    path: '/topics/jobs/records',
    body: '{"records":[{"key":"k","value":{"a":[1,2]}}]}',
  },
  { method: 'GET', path: '/topics/jobs/partitions/0/records?offset=0&maxRecords=5' },
  { method: 'PUT', path: '/queues/groups/g', body: '{"topics":["jobs"],"lockDurationMs":5000}' },
  { method: 'POST', path: '/queues/groups/g/receive', body: '{"maxRecords":2,"waitMs":0}' },
  {
    method: 'POST',
    path: '/queues/groups/g/acks',
    body: '{"acks":[{"receipt":"x.y.z","type":"accept"}]}',
  },
  { method: 'POST', path: '/streams/groups/sg/members', body: '{"topics":["jobs"]}' },
  { method: 'GET', path: '/dlq' },
];

const NOISE = [
  '%',
  '%zz',
  '%00',
  '[',
  '{',
  '"',
  '\\',
  ']',
  '}',
  '\u0000',
  'é',
  '../',
  '?',
  '#',
  '\uffff',
];

function mutate(text: string, random: () => number): string {
  const at = Math.floor(random() * (text.length + 1));
  switch (Math.floor(random() * 5)) {
    case 0:
      return text.slice(0, at); // truncate
    case 1:
      return text.slice(0, at) + NOISE[Math.floor(random() * NOISE.length)] + text.slice(at);
    case 2:
      return text.slice(0, at) + text.slice(at + 1); // drop one character
    case 3: {
      const depth = 1 + Math.floor(random() * 300);
      return text.slice(0, at) + '['.repeat(depth) + ']'.repeat(depth) + text.slice(at);
    }
    default:
      return (
        text.slice(0, at) +
        text.slice(at, at + 20).repeat(1 + Math.floor(random() * 50)) +
        text.slice(at)
      );
  }
}

/** `path` with what Node refuses to send in a request line (and `#`) replaced by a bad escape. */
function sendable(path: string): string {
  return [...path]
    .map((c) => (c === '#' || c.charCodeAt(0) <= 0x20 || c.charCodeAt(0) > 0x7e ? '%zz' : c))
    .join('');
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  undefined,
];

describe('300 mutated requests', () => {
  const fixture = useBroker({ WEIR_DEFAULT_MAX_MESSAGE_BYTES: '4096' });

  it('answer without a 5xx, and every refusal in the error shape', async () => {
    await new QueueClient(fixture.broker.url).putGroup('g', { topics: ['jobs'] });
    const random = prng(20261204);
    const failures: string[] = [];
    for (let i = 0; i < 300; i++) {
      const template = TEMPLATES[Math.floor(random() * TEMPLATES.length)]!;
      const mutateBody = template.body !== undefined && random() < 0.7;
      const path = mutateBody ? template.path : mutate(template.path, random);
      const body = mutateBody ? mutate(template.body!, random) : template.body;
      const type = CONTENT_TYPES[Math.floor(random() * CONTENT_TYPES.length)];
      const headers: Record<string, string> =
        body !== undefined && type ? { 'content-type': type } : {};
      const safePath = sendable(path.startsWith('/') ? path : `/${path}`);
      let answer;
      try {
        answer = await rawRequest(fixture.broker.url, template.method, safePath, headers, body);
      } catch (error) {
        failures.push(`${i} ${template.method} ${safePath}: no answer (${String(error)})`);
        continue;
      }
      const what = `${i} ${template.method} ${safePath.slice(0, 80)} ${JSON.stringify(body?.slice(0, 80))} -> ${answer.status} ${answer.text.slice(0, 200)}`;
      if (answer.status >= 500) failures.push(what);
      else if (answer.status >= 300) {
        try {
          const parsed = JSON.parse(answer.text) as {
            error?: { code?: unknown; message?: unknown };
          };
          if (typeof parsed.error?.code !== 'string' || typeof parsed.error.message !== 'string')
            failures.push(`not the error shape: ${what}`);
          if (answer.text.length > 4096) failures.push(`a large error body: ${what}`);
        } catch {
          failures.push(`not JSON: ${what}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
