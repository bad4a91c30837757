// A job worker on a share group. With a broker running (`npm start`):
//   npx tsc -p examples/tsconfig.json && node examples/dist/examples/job-worker.js
// It produces 100 jobs to topic `jobs`, handles them 8 at a time, and stops on Ctrl-C or once
// all are done. WEIR_URL points it at another broker (default http://localhost:8080).
import { NonRetriableError, Producer, ShareConsumer } from '@weir/client';

const url = process.env.WEIR_URL ?? 'http://localhost:8080';

async function main(): Promise<void> {
  const producer = new Producer({ url });
  const jobs = Array.from({ length: 100 }, (_x, i) => ({ key: `job-${i}`, value: { n: i } }));
  await producer.produce('jobs', [...jobs, { value: 'not a job' }]);
  await producer.close();

  const worker = new ShareConsumer({ url, onError: (error) => console.warn('worker:', error) });
  let done = 0;
  await worker.run({
    group: 'example-workers',
    topics: ['jobs'],
    concurrency: 8,
    handler: async (record, { signal }) => {
      const job = record.value as { n?: number } | null;
      if (typeof job?.n !== 'number') throw new NonRetriableError('not a job'); // dead-lettered
      await new Promise((resolve) => setTimeout(resolve, 10)); // the work
      if (signal.aborted) throw new Error('lock lost'); // released, handled again elsewhere
      done += 1;
    },
  });
  const stop = async () => {
    await worker.stop();
    console.log(`handled ${done} jobs`, worker.stats);
  };
  process.once('SIGINT', () => void stop());
  while (done < jobs.length) await new Promise((resolve) => setTimeout(resolve, 100));
  await stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
