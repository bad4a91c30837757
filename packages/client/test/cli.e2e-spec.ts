import { createServer, IncomingMessage } from 'node:http';
import { AddressInfo } from 'node:net';
import { Admin } from '../src/admin';
import { Producer } from '../src/producer';
import { ShareConsumer } from '../src/share-consumer';
import { NonRetriableError } from '../src/errors';
import { useRealBroker } from './support/real-broker';
import { runWeir, startWeir } from './support/run-weir';
import { eventually } from '../../../test/support/eventually';

const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('the weir CLI (the built binary) against a real broker', () => {
  const fixture = useRealBroker();

  it('creates, lists, describes and deletes a topic, in human text and in JSON', async () => {
    const created = await runWeir(fixture.url, ['topics', 'create', 'orders', '--partitions', '3']);
    expect(created).toMatchObject({ status: 0, stderr: '' });
    expect(created.stdout).toContain('created topic orders with 3 partition(s)');

    const list = await runWeir(fixture.url, ['topics', 'list']);
    expect(list.stdout.split('\n')[0]).toMatch(/^TOPIC\s+PARTITIONS\s+RECORDS\s+RETENTION_MS$/);
    expect(list.stdout).toMatch(/^orders\s+3\s+0\s+604800000$/m);

    const described = await runWeir(fixture.url, ['topics', 'describe', 'orders', '--json']);
    expect(JSON.parse(described.stdout)).toMatchObject({
      name: 'orders',
      partitions: [{ partition: 0 }, { partition: 1 }, { partition: 2 }],
    });

    const withRetention = await runWeir(fixture.url, [
      'topics',
      'create',
      'audit',
      '--retention-ms',
      '-1',
      '--json',
    ]);
    expect(JSON.parse(withRetention.stdout)).toMatchObject({ config: { retentionMs: -1 } });

    expect(await runWeir(fixture.url, ['topics', 'delete', 'orders'])).toMatchObject({
      status: 0,
      stdout: 'deleted topic orders\n',
    });
    const names = (await new Admin(fixture.url).listTopics()).map((t) => t.name);
    expect(names).toEqual(['audit']);
  });

  it('produces one record per line of standard input, JSON when the line parses, and consumes them back', async () => {
    await new Admin(fixture.url).createTopic('events', { partitions: 2 });
    const produced = await runWeir(fixture.url, ['produce', 'events', '--partition', '1'], {
      stdin: '{"qty":2}\nplain text\n\n7\n',
    });
    expect(produced).toMatchObject({ status: 0, stderr: '' });
    expect(produced.stdout).toBe(
      'partition 1 offset 0\npartition 1 offset 1\npartition 1 offset 2\n',
    );
    const keyed = await runWeir(fixture.url, ['produce', 'events', '--key', 'user-7', '--json'], {
      stdin: 'null\n',
    });
    expect(jsonLines(keyed.stdout)).toEqual([{ partition: expect.any(Number), offset: 0 }]);

    const consumed = await runWeir(fixture.url, ['consume', 'events', '--partition', '1']);
    expect(consumed.status).toBe(0);
    expect(jsonLines(consumed.stdout).map((r) => [r.offset, r.value])).toEqual([
      [0, { qty: 2 }],
      [1, 'plain text'],
      [2, 7],
    ]);
    const fromTwo = await runWeir(fixture.url, [
      'consume',
      'events',
      '--partition',
      '1',
      '--from',
      '2',
    ]);
    expect(jsonLines(fromTwo.stdout).map((r) => r.offset)).toEqual([2]);
    const all = await runWeir(fixture.url, ['consume', 'events', '--max', '3']);
    expect(jsonLines(all.stdout)).toHaveLength(3);
  });

  it('follows a partition with --follow, printing records produced after it started, until --max', async () => {
    await new Admin(fixture.url).createTopic('ticks');
    const following = startWeir(fixture.url, [
      'consume',
      'ticks',
      '--from',
      'latest',
      '--follow',
      '--max',
      '2',
    ]);
    const producer = new Producer({ url: fixture.url, lingerMs: 0 });
    await eventually(
      async () => {
        await producer.produce('ticks', [{ value: 'tick' }]);
        return jsonLines(following.output()).length >= 2;
      },
      10_000,
      'two records followed',
    );
    const run = await following.done;
    expect(run.status).toBe(0);
    expect(jsonLines(run.stdout).map((r) => r.value)).toEqual(['tick', 'tick']);
  });

  it('exits non-zero with the broker error code and message on standard error', async () => {
    const missing = await runWeir(fixture.url, ['topics', 'describe', 'nope']);
    expect(missing.status).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe("weir: TOPIC_NOT_FOUND: Topic 'nope' does not exist\n");

    const asJson = await runWeir(fixture.url, ['topics', 'create', 'bad name!', '--json']);
    expect(asJson.status).toBe(1);
    expect(JSON.parse(asJson.stderr)).toMatchObject({ error: { code: 'INVALID_TOPIC_NAME' } });

    const usage = await runWeir(fixture.url, ['topics', 'create']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('weir: missing topic name');
    expect((await runWeir(fixture.url, ['consume', 't', '--bogus', '1'])).status).toBe(2);

    const unreachable = await runWeir('http://127.0.0.1:1', ['topics', 'list']);
    expect(unreachable.status).toBe(1);
    expect(unreachable.stderr).toMatch(/^weir: NETWORK_ERROR: /);
  });

  it('describes and resets a stream group and a share group', async () => {
    await new Producer({ url: fixture.url }).produce(
      'jobs',
      Array.from({ length: 4 }, (_x, i) => ({ value: i })),
    );
    const admin = new Admin(fixture.url);
    await admin.putShareGroup('workers', { topics: ['jobs'] });
    await admin.resetStreamOffsets('reports', { topic: 'jobs', to: 'latest' });

    const stream = await runWeir(fixture.url, ['groups', 'describe', 'reports', '--json']);
    expect(JSON.parse(stream.stdout)).toMatchObject({
      group: 'reports',
      share: null,
      stream: { partitions: [{ topic: 'jobs', committedOffset: 4 }] },
    });
    const share = await runWeir(fixture.url, ['groups', 'describe', 'workers']);
    expect(share.stdout).toContain('share group workers: topics jobs');
    expect(share.stdout).toMatch(/^jobs\s+0\s+0\s+0\s+4\s+0\s+0\s+4$/m);

    const reset = await runWeir(fixture.url, [
      'groups',
      'reset',
      'reports',
      '--topic',
      'jobs',
      '--to',
      '1',
    ]);
    expect(reset).toMatchObject({ status: 0, stdout: 'reset stream group reports on jobs to 1\n' });
    const shareReset = await runWeir(fixture.url, [
      'groups',
      'reset',
      'workers',
      '--topic',
      'jobs',
      '--to',
      'latest',
    ]);
    expect(shareReset.status).toBe(0);
    expect((await admin.describeStreamGroup('reports')).partitions[0]?.committedOffset).toBe(1);
    expect((await admin.describeShareGroup('workers')).partitions[0]?.startOffset).toBe(4);

    const unknown = await runWeir(fixture.url, ['groups', 'describe', 'nobody']);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/^weir: GROUP_NOT_FOUND: /);
  });

  it('lists dead-letter topics and redrives them, appending nothing with --dry-run', async () => {
    await new Producer({ url: fixture.url }).produce('payments', [
      { value: 'poison' },
      { value: 'ok' },
    ]);
    const worker = new ShareConsumer({ url: fixture.url, onError: () => undefined });
    await worker.run({
      group: 'billing',
      topics: ['payments'],
      concurrency: 2,
      handler: (record) => {
        if (record.value === 'poison') throw new NonRetriableError('unreadable');
      },
    });
    await eventually(
      () => worker.stats.rejected === 1 && worker.stats.accepted === 1,
      10_000,
      'one rejected',
    );
    await worker.stop();

    const list = await runWeir(fixture.url, ['dlq', 'list']);
    expect(list.stdout).toMatch(/^dlq\.billing\.payments\s+1\s+\d+\s+CLIENT_REJECT=1$/m);
    const dry = await runWeir(fixture.url, [
      'dlq',
      'redrive',
      'dlq.billing.payments',
      '--dry-run',
      '--json',
    ]);
    expect(JSON.parse(dry.stdout)).toEqual({ dryRun: true, matching: 1 });
    const none = await runWeir(fixture.url, [
      'dlq',
      'redrive',
      'dlq.billing.payments',
      '--reason',
      'DELIVERY_COUNT_EXCEEDED',
      '--dry-run',
    ]);
    expect(none.stdout).toContain('would redrive up to 0 record(s)');
    expect(
      (await new Admin(fixture.url).describeTopic('payments')).partitions[0]?.logEndOffset,
    ).toBe(2);

    const redriven = await runWeir(fixture.url, ['dlq', 'redrive', 'dlq.billing.payments']);
    expect(redriven).toMatchObject({
      status: 0,
      stdout: 'redrove 1 record(s), skipped 0 redriven before\n',
    });
    const again = await runWeir(fixture.url, ['dlq', 'redrive', 'dlq.billing.payments', '--json']);
    expect(JSON.parse(again.stdout)).toEqual({ redriven: 0, skipped: 1 });
    expect(
      (await new Admin(fixture.url).describeTopic('payments')).partitions[0]?.logEndOffset,
    ).toBe(3);
  });
});

describe('the weir CLI and its token', () => {
  it('sends --token, else $WEIR_TOKEN, as a bearer token', async () => {
    const seen: Array<string | undefined> = [];
    const stub = createServer((request: IncomingMessage, response) => {
      seen.push(request.headers.authorization);
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ topics: [] }));
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(stub.address() as AddressInfo).port}`;
    try {
      expect((await runWeir(url, ['topics', 'list', '--token', 's3cret'])).status).toBe(0);
      await runWeir(url, ['topics', 'list'], { env: { WEIR_TOKEN: 'from-env' } });
      await runWeir(url, ['topics', 'list']);
    } finally {
      await new Promise<void>((resolve) => stub.close(() => resolve()));
    }
    expect(seen).toEqual(['Bearer s3cret', 'Bearer from-env', undefined]);
  });
});
