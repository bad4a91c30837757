import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import request from 'supertest';
import { Storage } from '../../src/persistence/port/storage';
import { sample } from '../support/prometheus-sample';
import { useBroker } from '../support/broker-fixture';
import { QueueClient } from '../support/queue-client';

/** A promise and the function that resolves it. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire = (): void => undefined;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}

describe("a share group's view while a write on its partitions is in flight", () => {
  const fixture = useBroker();

  // Each view of a share group's state: the group, the list of groups, the metrics.
  const views: Array<[string, (res: request.Response) => void]> = [
    [
      '/queues/groups/g',
      (res) => expect(res.body.partitions).toMatchObject([{ lag: 0, acquired: 0, available: 0 }]),
    ],
    [
      '/queues/groups',
      (res) => expect(res.body.groups).toMatchObject([{ group: 'g', lag: 0, acquired: 0 }]),
    ],
    [
      '/metrics',
      (res) =>
        expect(
          sample(res.text, 'weir_share_group_lag', { group: 'g', topic: 'jobs', partition: '0' }),
        ).toBe(0),
    ],
  ];

  it.each(views)(
    'GET %s is answered only once the write committed: a record shown dead-lettered has its copy in the dead-letter topic',
    async (path, check) => {
      const { app, clock, url } = fixture.broker;
      const q = new QueueClient(url);
      await q.produce('jobs', [{ value: 'job' }]);
      await q.putGroup('g', { topics: ['jobs'], maxDeliveryCount: 1, lockDurationMs: 1000 });
      expect((await q.receive('g')).records).toHaveLength(1);

      // The expiry's write (archive the record, copy it to dlq.g.jobs) waits at a gate.
      const events: string[] = [];
      const shares = app.get(Storage).shares;
      const write = shares.write.bind(shares);
      const sent = signal();
      const gate = signal();
      const spy = jest.spyOn(shares, 'write').mockImplementationOnce(async (...args) => {
        sent.fire();
        await gate.promise;
        const offsets = await write(...args);
        events.push('committed');
        return offsets;
      });
      clock.advance(1000); // the lock expires on its last delivery: archived, dead-lettered
      await sent.promise;

      // The gate opens as the view's request arrives; its answer is noted as it is sent.
      const server: Server = app.getHttpServer();
      server.prependOnceListener('request', (_req: IncomingMessage, res: ServerResponse) => {
        const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
        res.end = ((...args: unknown[]) => {
          events.push('answered');
          return end(...args);
        }) as typeof res.end;
        gate.fire();
      });
      const view = await request(url).get(path).expect(200);
      spy.mockRestore();

      expect(events).toEqual(['committed', 'answered']);
      check(view);
      expect((await q.readAll('dlq.g.jobs', 0)).map((r) => r.value)).toEqual(['job']);
    },
  );
});
