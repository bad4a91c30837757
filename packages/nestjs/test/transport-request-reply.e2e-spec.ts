import { Controller, INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { firstValueFrom, lastValueFrom, Observable, of, toArray } from 'rxjs';
import { Admin } from '@weir/client';
import { SystemClock } from '../../../src/common/clock';
import { ClientWeir } from '../src/client-weir';
import { NonRetriableRpcException } from '../src/non-retriable-rpc.exception';
import { ServerWeir } from '../src/server-weir';
import { makeTempDir } from '../../../test/support/temp-dir';
import { startTestBroker, TestBroker } from '../../../test/support/test-app';
import { eventually } from '../../../test/support/eventually';

@Controller()
class MathController {
  @MessagePattern('math.double')
  async double(@Payload() n: number): Promise<number> {
    await Promise.resolve();
    return n * 2;
  }

  @MessagePattern('math.range')
  range(@Payload() n: number): Observable<number> {
    return of(...Array.from({ length: n }, (_x, i) => i + 1));
  }

  @MessagePattern('math.sqrt')
  sqrt(@Payload() n: number): number {
    if (n < 0) throw new NonRetriableRpcException('no square root of a negative number');
    return Math.sqrt(n);
  }
}

@Module({ controllers: [MathController] })
class MathModule {}

describe('Nest transport: request/reply over a reply topic', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker<SystemClock>;
  let worker: INestMicroservice;
  let client: ClientWeir;

  beforeAll(async () => {
    dir = makeTempDir();
    // Topics created without a partition count get 3: a reply topic must not.
    broker = await startTestBroker(dir.path, { WEIR_DEFAULT_PARTITIONS: '3' }, new SystemClock());
    worker = await NestFactory.createMicroservice(MathModule, {
      strategy: new ServerWeir({ url: broker.url, group: 'math' }),
      logger: false,
    });
    await worker.listen();
    client = new ClientWeir({ url: broker.url });
  });

  afterAll(async () => {
    await client.close();
    await worker.close();
    await broker.close();
    dir.remove();
  });

  const replyTopics = async () => {
    const answer = await fetch(`${broker.url}/topics`);
    const { topics } = (await answer.json()) as {
      topics: Array<{ name: string; partitions: number }>;
    };
    return topics.filter((t) => t.name.startsWith('replies.'));
  };

  it('answers every one of many parallel send() calls through one reply topic of one partition, without connect()', async () => {
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_x, n) => firstValueFrom(client.send<number>('math.double', n))),
    );
    expect(answers).toEqual(Array.from({ length: 12 }, (_x, n) => n * 2));
    const topics = await replyTopics();
    expect(topics).toHaveLength(1);
    expect((await new Admin(broker.url).describeTopic(topics[0]!.name)).partitions).toHaveLength(1);
  });

  it('answers send() with what the @MessagePattern handler returned', async () => {
    await expect(lastValueFrom(client.send('math.double', 21))).resolves.toBe(42);
    const answers = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => firstValueFrom(client.send<number>('math.double', n))),
    );
    expect(answers).toEqual([2, 4, 6, 8, 10]);
  });

  it('streams every value of an Observable handler, in order', async () => {
    await expect(lastValueFrom(client.send('math.range', 4).pipe(toArray()))).resolves.toEqual([
      1, 2, 3, 4,
    ]);
  });

  it('fails send() with a non-retriable error and dead-letters the request', async () => {
    await expect(lastValueFrom(client.send('math.sqrt', -1))).rejects.toMatchObject({
      message: 'no square root of a negative number',
      retriable: false,
    });
    const admin = new Admin(broker.url);
    await eventually(
      async () =>
        (await admin.describeTopic('dlq.math.math.sqrt').catch(() => undefined))?.partitions[0]
          ?.logEndOffset === 1,
      10_000,
      'the request dead-lettered',
    );
    const dlq = await admin.readRecords('dlq.math.math.sqrt', 0, { offset: 0 });
    expect(dlq.records.map((r) => [r.value, r.headers?.['weir-dlq-reason']])).toEqual([
      [-1, 'CLIENT_REJECT'],
    ]);
  });

  it('fails send() with TIMEOUT when nobody answers in time, and deletes its reply topic on close', async () => {
    const impatient = new ClientWeir({ url: broker.url, replyTimeoutMs: 300 });
    await expect(lastValueFrom(impatient.send('nobody.listens', 1))).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
    const before = (await new Admin(broker.url).describeTopic('nobody.listens')).partitions;
    expect(before[0]?.logEndOffset).toBe(1);
    expect(await replyTopics()).toHaveLength(2); // this client's and the shared one's
    await impatient.close();
    expect(await replyTopics()).toHaveLength(1);
  });
});
