import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import request from 'supertest';
import { ChildBroker, startChildBroker } from '../support/child-broker';
import { stalledWebSocket } from '../support/raw-ws';
import { makeTempDir } from '../support/temp-dir';

const RECORDS = 200_000;
const WARM_UP_RECORDS = 100_000;
const BATCH = 1000;
const IN_FLIGHT = 4;
const VALUE = 'x'.repeat(1000);
const MIB = 2 ** 20;
/**
 * What the stalled subscribers may add to the broker's RSS: per socket, 8 MiB of unsent data
 * (WEIR_WS_MAX_BUFFERED_BYTES) plus the one page read before the bound was reached (up to
 * WEIR_MAX_READ_RECORDS records for a stream push, the share window for a share push) and its
 * copies, and garbage the collector has not reclaimed yet. Measured: 47 to 96 MiB; unbounded,
 * the 300 MB offered would be held for each of the two sockets.
 */
const MAX_GROWTH_BYTES = 160 * MIB;

/** Resident set size of a process, from /proc (Linux). */
function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) * 1024;
}

/** Produces `records` 1 KB records over HTTP, `IN_FLIGHT` requests at a time; answers the peak RSS. */
async function produceWatchingRss(url: string, pid: number, records: number): Promise<number> {
  let maxRss = rssBytes(pid);
  const sampler = setInterval(() => (maxRss = Math.max(maxRss, rssBytes(pid))), 50);
  const body = { records: Array.from({ length: BATCH }, () => ({ value: VALUE })) };
  let sent = 0;
  const producer = async () => {
    while (sent < records) {
      sent += BATCH;
      await request(url).post('/topics/flood/records').send(body).expect(200);
    }
  };
  try {
    await Promise.all(Array.from({ length: IN_FLIGHT }, producer));
    expect((await request(url).get('/health/live').timeout(5000)).status).toBe(200);
  } finally {
    clearInterval(sampler);
  }
  return Math.max(maxRss, rssBytes(pid));
}

describe('memory under subscribers that grant much and read nothing', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let child: ChildBroker | undefined;
  const stalled: Socket[] = [];

  beforeEach(() => {
    dir = makeTempDir();
  });

  afterEach(async () => {
    for (const socket of stalled.splice(0)) socket.destroy();
    if (child && child.process.exitCode === null) {
      child.process.kill('SIGKILL');
      await child.exited;
    }
    dir.remove();
  });

  it('keeps the RSS bounded and /health/live answering while 200,000 records of 1 KB are produced', async () => {
    child = await startChildBroker(dir.path);
    const pid = child.process.pid!;
    const url = child.url;
    await request(url).post('/topics').send({ name: 'flood', partitions: 1 }).expect(201);
    const idleRss = rssBytes(pid);
    // the produce path alone (request bodies, the engine's cache) warms the heap up first
    const warmRss = await produceWatchingRss(url, pid, WARM_UP_RECORDS);

    const port = Number(new URL(url).port);
    stalled.push(
      await stalledWebSocket(port, [
        { type: 'subscribe', mode: 'share', group: 'g', topics: ['flood'], credit: 1_000_000 },
      ]),
      await stalledWebSocket(port, [
        { type: 'subscribe', mode: 'stream', group: 's', topics: ['flood'], credit: 1_000_000 },
      ]),
    );
    const started = Date.now();
    const maxRss = await produceWatchingRss(url, pid, RECORDS);
    const elapsedMs = Date.now() - started;

    const share = await request(url).get('/queues/groups/g').expect(200);
    expect(share.body.partitions[0].acquired).toBeGreaterThan(0);
    const stream = await request(url).get('/streams/groups/s').expect(200);
    expect(stream.body.members).toHaveLength(1);
    process.stdout.write(
      `memory-bound: RSS idle ${(idleRss / MIB).toFixed(0)} MiB, after the warm-up ` +
        `${(warmRss / MIB).toFixed(0)} MiB, peak with two stalled subscribers ` +
        `${(maxRss / MIB).toFixed(0)} MiB; ${RECORDS} records in ${elapsedMs} ms\n`,
    );
    expect(maxRss - warmRss).toBeLessThan(MAX_GROWTH_BYTES);
  }, 60_000);
});
