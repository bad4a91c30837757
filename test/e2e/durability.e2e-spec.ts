import request from 'supertest';
import { startChildBroker } from '../support/child-broker';
import { makeTempDir } from '../support/temp-dir';
import { startTestBroker } from '../support/test-app';

describe('durability', () => {
  let dir: ReturnType<typeof makeTempDir>;

  beforeEach(() => (dir = makeTempDir()));
  afterEach(() => dir.remove());

  it('keeps every record and continues the offsets after a restart', async () => {
    const first = await startTestBroker(dir.path);
    await request(first.url)
      .post('/topics')
      .send({ name: 'kept', partitions: 2, config: { retentionMs: -1 } })
      .expect(201);
    const sent = Array.from({ length: 20 }, (_x, i) => ({ key: `k${i}`, value: { i } }));
    await request(first.url).post('/topics/kept/records').send({ records: sent }).expect(200);
    const before = await Promise.all(
      [0, 1].map((p) => request(first.url).get(`/topics/kept/partitions/${p}/records?offset=0`)),
    );
    await first.close();

    const second = await startTestBroker(dir.path);
    try {
      const topic = await request(second.url).get('/topics/kept').expect(200);
      expect(topic.body.config.retentionMs).toBe(-1);
      const after = await Promise.all(
        [0, 1].map((p) => request(second.url).get(`/topics/kept/partitions/${p}/records?offset=0`)),
      );
      expect(after.map((r) => r.body.records)).toEqual(before.map((r) => r.body.records));
      expect(after[0]!.body.records.length + after[1]!.body.records.length).toBe(20);

      const more = await request(second.url)
        .post('/topics/kept/records')
        .send({ records: [{ value: 'next', partition: 0 }] })
        .expect(200);
      expect(more.body.offsets[0].offset).toBe(before[0]!.body.logEndOffset);
    } finally {
      await second.close();
    }
  });

  it('loses no acknowledged record when the broker is killed with SIGKILL mid-stream', async () => {
    const child = await startChildBroker(dir.path);
    await request(child.url).post('/topics').send({ name: 'crash', partitions: 3 }).expect(201);

    const acknowledged = new Map<string, unknown>(); // "partition:offset" -> value
    let stop = false;
    let sequence = 0;
    const producer = async (id: number) => {
      for (let round = 0; round < 10_000 && !stop; round++) {
        const records = Array.from({ length: 10 }, () => ({
          key: `p${id}`,
          value: { id, n: sequence++ },
        }));
        try {
          const res = await request(child.url).post('/topics/crash/records').send({ records });
          if (res.status !== 200) return;
          res.body.offsets.forEach((o: { partition: number; offset: number }, i: number) =>
            acknowledged.set(`${o.partition}:${o.offset}`, records[i]!.value),
          );
        } catch {
          return; // the connection died with the broker
        }
      }
    };
    const producers = Array.from({ length: 6 }, (_x, id) => producer(id));
    const deadline = Date.now() + 10_000;
    while (acknowledged.size < 1500 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    child.process.kill('SIGKILL');
    await child.exited;
    stop = true;
    await Promise.all(producers);
    expect(acknowledged.size).toBeGreaterThanOrEqual(1500);

    const revived = await startTestBroker(dir.path);
    try {
      const found = new Map<string, unknown>();
      for (const partition of [0, 1, 2]) {
        let offset = 0;
        for (let page = 0; page < 1000; page++) {
          const res = await request(revived.url)
            .get(`/topics/crash/partitions/${partition}/records?offset=${offset}&maxRecords=5000`)
            .expect(200);
          for (const r of res.body.records) found.set(`${partition}:${r.offset}`, r.value);
          if (res.body.nextOffset >= res.body.logEndOffset) break;
          offset = res.body.nextOffset;
        }
      }
      const missing = [...acknowledged.keys()].filter((k) => !found.has(k));
      expect(missing).toEqual([]);
      for (const [position, value] of acknowledged) expect(found.get(position)).toEqual(value);
    } finally {
      await revived.close();
    }
  });

  it('shuts down cleanly on SIGTERM, answering in-flight produces and keeping them', async () => {
    const child = await startChildBroker(dir.path);
    const exitCode = new Promise<number | null>((resolve) => child.process.once('exit', resolve));
    const inFlight = Array.from({ length: 20 }, (_x, i) =>
      request(child.url)
        .post('/topics/graceful/records')
        .send({ records: [{ value: i }] })
        .then((res) => (res.status === 200 ? (res.body.offsets[0].offset as number) : undefined))
        .catch(() => undefined),
    );
    await inFlight[0];
    child.process.kill('SIGTERM');
    const answered = (await Promise.all(inFlight)).filter((o): o is number => o !== undefined);
    expect(await exitCode).toBe(0);
    expect(answered.length).toBeGreaterThan(0);

    const revived = await startTestBroker(dir.path);
    try {
      const page = await request(revived.url)
        .get('/topics/graceful/partitions/0/records?offset=0')
        .expect(200);
      const offsets = page.body.records.map((r: { offset: number }) => r.offset);
      for (const offset of answered) expect(offsets).toContain(offset);
    } finally {
      await revived.close();
    }
  });
});
