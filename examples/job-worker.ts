// A job worker: `npx tsc -p examples/tsconfig.json && node examples/dist/examples/job-worker.js`
// with a broker running (`npm start`). Produces 100 jobs, handles them with 8 at a time.
import { NonRetriableError } from '../client/src/errors';
import { Producer } from '../client/src/producer';
import { ShareConsumer } from '../client/src/share-consumer';

const url = process.env.WEIR_URL ?? 'http://localhost:8080';

async function main(): Promise<void> {
  const producer = new Producer({ url });
  await producer.send(
    'jobs',
    Array.from({ length: 100 }, (_x, i) => ({ key: `job-${i}`, value: { n: i } })),
  );
  await producer.close();

  let done = 0;
  const worker = new ShareConsumer({
    url,
    group: 'example-workers',
    topics: ['jobs'],
    concurrency: 8,
    handler: async (record) => {
      const job = record.value as { n?: number } | undefined;
      if (job?.n === undefined) throw new NonRetriableError('not a job'); // dead-lettered
      await new Promise((resolve) => setTimeout(resolve, 10)); // the work
      done += 1;
    },
    onError: (error) => console.warn('worker:', error),
  });
  const running = worker.run();
  while (done < 100) await new Promise((resolve) => setTimeout(resolve, 100));
  await worker.stop();
  await running;
  console.log(`handled ${done} jobs`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
