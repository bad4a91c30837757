import { encodeWireRecord } from '../../src/common/record-wire';
import { SqliteStorage } from '../../src/persistence/sqlite/sqlite-storage';
import { tsEngineWorker } from './ts-bootstrap';

/**
 * A child process for the engine-thread crash test: opens `WEIR_CRASH_FILE`, then appends to
 * topic `crash` (2 partitions) forever with 8 producers in flight. Each acknowledged append is
 * printed as `ack <partition> <baseOffset> <count> <firstSequence>`, then its records are
 * acknowledged in share group `workers` (one state batch) and printed as
 * `state <partition> <firstOffset> <lastOffset>`. The test kills it with SIGKILL; stdout is a
 * pipe, written synchronously, so a printed line was answered. WAL checkpoints run constantly.
 */
/** `RecordState.ACKNOWLEDGED` of the queues domain. */
const ACKNOWLEDGED = 2;

async function main(): Promise<void> {
  const file = process.env.WEIR_CRASH_FILE;
  if (!file) throw new Error('WEIR_CRASH_FILE is not set');
  // Checkpoints run all the time, from the checkpointer and from the writer past 64 WAL pages,
  // so that the kill also lands while the WAL is being copied into the database file.
  const storage = await SqliteStorage.open({
    file,
    sync: 'normal',
    worker: tsEngineWorker(),
    checkpoints: { intervalMs: 1, maxWalPages: 64 },
  });
  const topic = await storage.catalogue.createTopic(
    'crash',
    2,
    { retentionMs: -1, retentionBytes: -1, maxMessageBytes: 1 << 20 },
    Date.now(),
  );
  const group = await storage.catalogue.createShareGroup('workers', '{}', Date.now(), []);
  process.stdout.write(`ready ${topic.id} ${group.id}\n`);
  let sequence = 0;
  const producer = async (id: number): Promise<void> => {
    for (;;) {
      const partition = id % 2;
      const count = 1 + (sequence % 50);
      const first = sequence;
      sequence += count;
      const records = Array.from({ length: count }, (_x, i) =>
        encodeWireRecord({ key: `p${id}`, value: { seq: first + i } }, Date.now()),
      );
      const [base] = await storage.log.append([{ topicId: topic.id, partition, records }]);
      process.stdout.write(`ack ${partition} ${base} ${count} ${first}\n`);
      const last = base! + count - 1;
      await storage.shares.write(
        [
          {
            groupId: group.id,
            topicId: topic.id,
            partition,
            startOffset: 0,
            endOffset: last + 1,
            resetAll: false,
            batches: [
              {
                firstOffset: base!,
                lastOffset: last,
                state: ACKNOWLEDGED,
                deliveryCount: 1,
                memberId: null,
                token: null,
                acquiredAtMs: null,
                lockExpiresAtMs: null,
                availableAtMs: null,
              },
            ],
          },
        ],
        [],
      );
      process.stdout.write(`state ${partition} ${base} ${last}\n`);
    }
  };
  await Promise.all(Array.from({ length: 8 }, (_x, id) => producer(id)));
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
