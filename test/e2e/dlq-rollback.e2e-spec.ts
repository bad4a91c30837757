import { DeadLetterService } from '../../src/modules/dlq/dead-letter.service';
import { TopicsService } from '../../src/modules/topics/topics.service';
import { Database } from '../../src/persistence/database';
import { GroupCommit } from '../../src/persistence/group-commit';
import { useBroker } from '../support/broker-fixture';
import { QueueClient } from '../support/queue-client';

describe('dead-letter topics created inside a transaction that rolls back', () => {
  const fixture = useBroker();

  it('leaves no trace of the dead-letter topic, so that it can be produced to later', async () => {
    const { app, url, clock } = fixture.broker;
    const q = new QueueClient(url);
    await q.produce('jobs', [{ value: 'job' }]);
    const topics = app.get(TopicsService);
    const deadLetters = app.get(DeadLetterService);
    const archiveThenFail = () => {
      deadLetters.append(
        {
          group: 'g',
          deadLetterTopic: 'dlq.g.jobs',
          source: topics.get('jobs'),
          partition: 0,
          offset: 0,
          deliveryCount: 1,
          reason: 'CLIENT_REJECT',
        },
        clock.now(),
      );
      throw new Error('something later in the transaction failed');
    };

    await expect(app.get(GroupCommit).submit(archiveThenFail)).rejects.toThrow('later');
    expect(() => app.get(Database).transaction(archiveThenFail)).toThrow('later');

    expect(topics.find('dlq.g.jobs')).toBeUndefined();
    expect(await q.produce('dlq.g.jobs', [{ value: 'fresh' }])).toEqual([
      { partition: 0, offset: 0 },
    ]);
    expect((await q.readAll('dlq.g.jobs', 0)).map((r) => r.value)).toEqual(['fresh']);
  });
});
