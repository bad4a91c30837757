// An analytics consumer in a streaming consumer group. With a broker running (`npm start`):
//   npx tsc -p examples/tsconfig.json && node examples/dist/examples/analytics-consumer.js
// It counts clicks per user on topic `clicks` from the start, in order per partition, and
// prints the counts on Ctrl-C. Run two at once to see the partitions shared between them.
import { Producer, StreamConsumer } from '@weir/client';

const url = process.env.WEIR_URL ?? 'http://localhost:8080';

async function main(): Promise<void> {
  const producer = new Producer({ url });
  await producer.produce(
    'clicks',
    Array.from({ length: 500 }, (_x, i) => ({ key: `user-${i % 7}`, value: { page: i % 13 } })),
  );
  await producer.close();

  const counts = new Map<string, number>();
  const consumer = new StreamConsumer({
    url,
    onError: (error) => console.warn('consumer:', error),
  });
  await consumer.run({
    group: 'example-analytics',
    topics: ['clicks'],
    autoOffsetReset: 'earliest',
    onAssignment: (assignment, generation) =>
      console.log(
        `generation ${generation}:`,
        assignment.map((p) => `${p.topic}/${p.partition}`),
      ),
    eachBatch: async (batch) => {
      for (const r of batch.records)
        counts.set(String(r.key), (counts.get(String(r.key)) ?? 0) + 1);
      console.log(`${batch.topic}/${batch.partition}: ${batch.records.length} records`);
      await Promise.resolve(); // committed once this resolves
    },
  });
  process.once('SIGINT', () => {
    void consumer.stop().then(() => console.log(Object.fromEntries(counts)));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
