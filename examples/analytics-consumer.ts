// An analytics consumer: `npx tsc -p examples/tsconfig.json && node examples/dist/examples/analytics-consumer.js`
// with a broker running (`npm start`). Counts clicks per user from the start of the topic.
import { StreamConsumer } from '../client/src/stream-consumer';

const url = process.env.WEIR_URL ?? 'http://localhost:8080';

async function main(): Promise<void> {
  const counts = new Map<string, number>();
  const consumer = new StreamConsumer({
    url,
    group: 'example-analytics',
    topics: ['clicks'],
    autoOffsetReset: 'earliest',
    onAssignment: (generation, assignment) =>
      console.log(
        `generation ${generation}:`,
        assignment.map((p) => `${p.topic}/${p.partition}`),
      ),
    eachBatch: (records) => {
      for (const r of records) counts.set(r.key ?? '-', (counts.get(r.key ?? '-') ?? 0) + 1);
      return Promise.resolve();
    },
  });
  const running = consumer.run();
  process.once('SIGINT', () => void consumer.stop());
  await running;
  console.log(Object.fromEntries(counts));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
