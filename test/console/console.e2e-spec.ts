import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { FakeClock } from '../support/fake-clock';
import { makeTempDir } from '../support/temp-dir';
import { startTestBroker, TestBroker } from '../support/test-app';
import {
  buildConsole,
  launchChromium,
  openTab,
  screenshot,
  waitForTable,
  WAIT_MS,
} from './console-browser';
import { sample } from '../support/prometheus-sample';
import { apiGet, apiPost, createFixtures, FIXTURE } from './console-fixtures';

const format = (n: number | null): string => (n === null ? '–' : n.toLocaleString('en-US'));

describe('operator console in a headless Chromium', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let closeTab: () => Promise<void>;

  beforeAll(async () => {
    buildConsole();
    dir = makeTempDir();
    broker = await startTestBroker(dir.path, {}, new FakeClock());
    await createFixtures(broker.url);
    // Ages of the oldest records are measured on the broker's clock.
    broker.clock.advance(90_000);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await broker?.close();
    dir?.remove();
  });

  beforeEach(async () => {
    const tab = await openTab(browser);
    page = tab.page;
    errors = tab.errors;
    closeTab = () => tab.context.close();
  });

  afterEach(async () => {
    await closeTab();
  });

  const open = async (hash: string): Promise<void> => {
    await page.goto(`${broker.url}/console#${hash}`);
  };

  it('serves its files with their content types and caching, without a CDN', async () => {
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    const response = await page.goto(`${broker.url}/console`);
    await page.getByRole('table', { name: 'Topics' }).waitFor();
    expect(requested.filter((url) => !url.startsWith(`${broker.url}/`))).toEqual([]);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
    expect(response?.headers()['cache-control']).toBe('no-cache');
    const scripts = await page.evaluate(() =>
      [...(globalThis as any).document.querySelectorAll('script[src], link[rel=stylesheet]')].map(
        (e: any) => (e.src as string) || (e.href as string),
      ),
    );
    expect(scripts.length).toBe(2);
    for (const src of scripts) {
      expect(src.startsWith(`${broker.url}/console/assets/`)).toBe(true);
      const asset = await page.request.get(src);
      expect(asset.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(asset.headers()['content-type']).toMatch(
        /^(text\/javascript|text\/css); charset=utf-8$/,
      );
    }
    const missing = await page.request.get(`${broker.url}/console/assets/nothing.js`);
    expect(missing.status()).toBe(404);
    expect((await missing.json()).error.code).toBe('ROUTE_NOT_FOUND');
  });

  it('names its navigation links and shows every topic with the numbers the API reports', async () => {
    await open('/topics');
    for (const name of ['Topics', 'Stream groups', 'Share groups', 'Dead letters']) {
      await page.getByRole('link', { name, exact: true }).waitFor();
    }
    const { topics } = await apiGet(broker.url, '/topics');
    const expected = (topics as any[])
      .map((t) => ({
        Topic: t.name,
        Partitions: String(t.partitions.length),
        Records: format(t.partitions.reduce((sum: number, p: any) => sum + p.records, 0)),
      }))
      .sort((a, b) => a.Topic.localeCompare(b.Topic));
    const shown = await waitForTable(page, 'Topics', expected);
    expect(shown.map((row) => row.Topic)).toContain(FIXTURE.topic);

    // Live: records produced meanwhile show at the next refresh, with a produce rate.
    await apiPost(broker.url, `/topics/${FIXTURE.topic}/records`, {
      records: Array.from({ length: 40 }, (_, i) => ({ value: { late: i } })),
    });
    const now = await apiGet(broker.url, `/topics/${FIXTURE.topic}`);
    const total = now.partitions.reduce((sum: number, p: any) => sum + p.records, 0);
    const updated = await waitForTable(
      page,
      'Topics',
      expected.map((row) =>
        row.Topic === FIXTURE.topic ? { ...row, Records: format(total) } : row,
      ),
    );
    expect(updated.find((row) => row.Topic === FIXTURE.topic)?.['Produce rate']).toMatch(
      /^[1-9][0-9.,]*\/s$/,
    );
    await screenshot(page, 'topics');
    expect(errors).toEqual([]);
  });

  it('shows a topic per partition, browses records and produces a test record', async () => {
    const reads: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/records?')) reads.push(r.url());
    });
    await open('/topics');
    await page.getByRole('link', { name: FIXTURE.topic, exact: true }).click();
    const before = await apiGet(broker.url, `/topics/${FIXTURE.topic}`);
    await waitForTable(
      page,
      'Partitions',
      before.partitions.map((p: any) => ({
        Partition: String(p.partition),
        'Start offset': format(p.logStartOffset),
        'End offset': format(p.logEndOffset),
      })),
    );
    const records = page.getByRole('table', { name: 'Records of partition 0' });
    await records.getByText('"item": "book"').first().waitFor();
    await records.getByText('AAECA/7/').waitFor();
    await records.getByText('trace-id').first().waitFor();

    await page.getByLabel('Value (JSON, or text)').fill('{"console": true}');
    await page.getByLabel('Produce to partition').selectOption('1');
    await page.getByRole('button', { name: 'Produce', exact: true }).click();
    const end1 = before.partitions[1].logEndOffset;
    await page.getByText(`Produced to partition 1 at offset ${end1}.`).waitFor();
    const after = await apiGet(broker.url, `/topics/${FIXTURE.topic}`);
    expect(after.partitions[1].logEndOffset).toBe(end1 + 1);
    await waitForTable(page, 'Partitions', [{}, { 'End offset': format(end1 + 1) }, {}]);
    await screenshot(page, 'topic');
    // Never the whole partition: pages of records, counts from the API.
    expect(reads.length).toBeGreaterThan(0);
    for (const url of reads) {
      expect(Number(new URL(url).searchParams.get('maxRecords'))).toBeLessThanOrEqual(500);
    }
    expect(errors).toEqual([]);
  });

  it('browses a partition from the first record at or after a time', async () => {
    await open(`/topics/${FIXTURE.timedTopic}`);
    await waitForTable(page, 'Records of partition 0', [
      { Offset: '0' },
      { Offset: '1' },
      { Offset: '2' },
      { Offset: '3' },
      { Offset: '4' },
    ]);
    // Two minutes and a second after the first record: the record of minute 3 is the first.
    await page.getByLabel('or from time (UTC)').fill('2025-11-22T05:42:01');
    await page.getByRole('button', { name: 'Read', exact: true }).click();
    await waitForTable(page, 'Records of partition 0', [{ Offset: '3' }, { Offset: '4' }]);
    // Another page size reads again from the same offset.
    const reread = page.waitForResponse((r) => r.url().includes('maxRecords=20'));
    await page.getByLabel('Page size').selectOption('20');
    expect(new URL((await reread).url()).searchParams.get('offset')).toBe('3');
    await waitForTable(page, 'Records of partition 0', [{ Offset: '3' }, { Offset: '4' }]);
    expect(errors).toEqual([]);
  });

  it('shows stream groups and resets one to earliest after a confirmation', async () => {
    await open('/topics');
    await page.getByRole('link', { name: 'Stream groups', exact: true }).click();
    const { groups } = await apiGet(broker.url, '/streams/groups');
    await waitForTable(
      page,
      'Stream groups',
      groups.map((g: any) => ({
        Group: g.group,
        Members: String(g.members),
        Lag: format(g.lag),
      })),
    );
    await screenshot(page, 'stream-groups');
    await page.getByRole('link', { name: FIXTURE.streamGroup, exact: true }).click();
    const group = await apiGet(broker.url, `/streams/groups/${FIXTURE.streamGroup}`);
    const rows = (view: any) =>
      view.partitions.map((p: any) => ({
        Topic: p.topic,
        Partition: String(p.partition),
        'Committed offset': format(p.committedOffset),
        Lag: format(p.lag),
      }));
    await waitForTable(page, 'Committed offsets', rows(group));
    await page
      .getByRole('table', { name: 'Members' })
      .getByText(group.members[0].memberId)
      .waitFor();
    await screenshot(page, 'stream-group');

    await page.getByLabel('Reset to').selectOption('earliest');
    await page.getByRole('button', { name: 'Reset…' }).click();
    await page.getByRole('alertdialog', { name: 'Confirm reset' }).waitFor();
    expect(
      (await apiGet(broker.url, `/streams/groups/${FIXTURE.streamGroup}`)).partitions.map(
        (p: any) => p.committedOffset,
      ),
    ).toEqual([5, 5, 5]);
    await page.getByRole('button', { name: 'Confirm reset' }).click();
    await page.getByText(`Group ${FIXTURE.streamGroup} reset.`).waitFor();
    const reset = await apiGet(broker.url, `/streams/groups/${FIXTURE.streamGroup}`);
    expect(reset.partitions.map((p: any) => p.committedOffset)).toEqual([0, 0, 0]);
    await waitForTable(page, 'Committed offsets', rows(reset));
    expect(errors).toEqual([]);
  });

  it('shows share groups with records by state, redeliveries and dead letters, and resets one', async () => {
    await open('/share-groups');
    const { groups } = await apiGet(broker.url, '/queues/groups');
    await waitForTable(
      page,
      'Share groups',
      groups.map((g: any) => ({
        Group: g.group,
        Lag: format(g.lag),
        Acquired: format(g.acquired),
        Available: format(g.available),
        'Oldest available': g.oldestAvailableAgeMs === 90_000 ? '90 s' : '?',
      })),
    );
    await screenshot(page, 'share-groups');
    await page.getByRole('link', { name: FIXTURE.shareGroup, exact: true }).click();
    const group = await apiGet(broker.url, `/queues/groups/${FIXTURE.shareGroup}`);
    await waitForTable(
      page,
      'Records by state',
      group.partitions.map((p: any) => ({
        Topic: p.topic,
        Available: format(p.available),
        Acquired: format(p.acquired),
        Acknowledged: format(p.acknowledged),
        Archived: format(p.archived),
        Lag: format(p.lag),
      })),
    );
    const metrics = (await request(broker.url).get('/metrics')).text;
    const labels = { group: FIXTURE.shareGroup, topic: FIXTURE.shareTopic };
    const redeliveries = sample(metrics, 'weir_share_redeliveries_total', labels);
    expect(redeliveries).toBeGreaterThan(0);
    await waitForTable(page, 'Per topic', [
      {
        Topic: FIXTURE.shareTopic,
        Redeliveries: format(redeliveries ?? 0),
        'Dead-lettered': '2',
        'Dead-letter topic': FIXTURE.deadLetterTopic,
        'Dead letters held': '2',
      },
    ]);
    await screenshot(page, 'share-group');

    await page.getByLabel('Reset to').selectOption('latest');
    await page.getByRole('button', { name: 'Reset…' }).click();
    await page.getByRole('button', { name: 'Confirm reset' }).click();
    await page.getByText(`Group ${FIXTURE.shareGroup} reset.`).waitFor();
    const reset = await apiGet(broker.url, `/queues/groups/${FIXTURE.shareGroup}`);
    expect(reset.partitions.map((p: any) => p.lag)).toEqual([0]);
    await waitForTable(page, 'Records by state', [{ Topic: FIXTURE.shareTopic, Lag: '0' }]);
    expect(errors).toEqual([]);
  });

  it('deletes a share group after a confirmation', async () => {
    await request(broker.url)
      .put('/queues/groups/scratch')
      .send({ topics: [FIXTURE.shareTopic] })
      .expect(200);
    await open('/share-groups/scratch');
    await page.getByRole('button', { name: 'Delete group…' }).click();
    await page.getByRole('button', { name: 'Confirm delete' }).click();
    await page.getByRole('table', { name: 'Share groups' }).waitFor();
    await request(broker.url).get('/queues/groups/scratch').expect(404);
    expect(errors).toEqual([]);
  });

  it('browses dead letters with lineage, redrives them with a preview and purges them', async () => {
    await open('/dead-letters');
    const { topics } = await apiGet(broker.url, '/dlq');
    await waitForTable(
      page,
      'Dead-letter topics',
      topics.map((t: any) => ({
        'Dead-letter topic': t.topic,
        Records: format(t.records),
        CLIENT_REJECT: format(t.byReason.CLIENT_REJECT ?? 0),
        DELIVERY_COUNT_EXCEEDED: format(t.byReason.DELIVERY_COUNT_EXCEEDED ?? 0),
      })),
    );
    await screenshot(page, 'dead-letters');
    await page.getByRole('link', { name: FIXTURE.deadLetterTopic, exact: true }).click();
    await waitForTable(page, 'Dead-letter records', [
      { Reason: 'CLIENT_REJECT', Error: 'card declined', Group: FIXTURE.shareGroup },
      { Reason: 'CLIENT_REJECT', Error: 'amount missing', Group: FIXTURE.shareGroup },
    ]);
    await waitForTable(page, 'Redrive preview', [
      { 'Appends to topic': FIXTURE.shareTopic, Partition: '0', Records: '2' },
    ]);
    await screenshot(page, 'dead-letter-topic');

    const before = await apiGet(broker.url, `/topics/${FIXTURE.shareTopic}`);
    await page.getByRole('button', { name: 'Redrive', exact: true }).click();
    await page.getByText('Redriven 2, skipped 0').waitFor();
    const after = await apiGet(broker.url, `/topics/${FIXTURE.shareTopic}`);
    expect(after.partitions[0].logEndOffset).toBe(before.partitions[0].logEndOffset + 2);
    const again = await apiPost(broker.url, `/dlq/${FIXTURE.deadLetterTopic}/redrive`, {});
    expect(again).toEqual({ redriven: 0, skipped: 2 });

    await page.getByRole('button', { name: 'Purge', exact: true }).click();
    await page.getByRole('button', { name: 'Confirm purge' }).click();
    await page.getByText('Purged 2 records.').waitFor();
    const { topics: purged } = await apiGet(broker.url, '/dlq');
    expect(purged.find((t: any) => t.topic === FIXTURE.deadLetterTopic)?.records ?? 0).toBe(0);
    await page.getByText('No records in this range.').waitFor();
    expect(errors).toEqual([]);
  });

  it('refreshes every few seconds while the tab shows, and not while it is hidden', async () => {
    await page.clock.install();
    const calls: string[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/topics') calls.push(r.url());
    });
    const setVisibility = (state: 'visible' | 'hidden') =>
      page.evaluate((value) => {
        const doc = (globalThis as any).document;
        Object.defineProperty(doc, 'visibilityState', { value, configurable: true });
        doc.dispatchEvent(new Event('visibilitychange'));
      }, state);
    await open('/topics');
    await page.getByRole('table', { name: 'Topics' }).waitFor();
    expect(calls.length).toBe(1);
    let answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/topics');
    await page.clock.runFor(3_000);
    await answered;
    expect(calls.length).toBe(2);
    await setVisibility('hidden');
    await page.clock.runFor(60_000);
    expect(calls.length).toBe(2);
    answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/topics');
    await setVisibility('visible');
    await answered;
    expect(calls.length).toBe(3);
    expect(errors).toEqual([]);
  });

  it('shows an API error in words', async () => {
    await open('/share-groups/nobody');
    const alert = page.getByRole('alert');
    await alert.waitFor({ timeout: WAIT_MS });
    expect(await alert.textContent()).toMatch(/GROUP_NOT_FOUND: .*nobody/);
    // The browser logs the failed request itself; nothing else may fail.
    expect(errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
  });
});
