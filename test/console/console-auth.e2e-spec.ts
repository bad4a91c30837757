import type { Browser } from 'playwright-core';
import { FakeClock } from '../support/fake-clock';
import { makeTempDir } from '../support/temp-dir';
import { startTestBroker, TestBroker } from '../support/test-app';
import { AuthStub } from './auth-stub';
import { buildConsole, launchChromium, openTab, screenshot, waitForTable } from './console-browser';
import { createFixtures, FIXTURE } from './console-fixtures';

/**
 * The console against the token contract (401 UNAUTHENTICATED without a valid bearer token).
 * The broker of this branch has no auth yet, so a stub in front of it checks the token.
 */
describe('operator console with tokens', () => {
  const TOKEN = 'console-test-token';
  let dir: ReturnType<typeof makeTempDir>;
  let broker: TestBroker;
  let stub: AuthStub;
  let browser: Browser;

  beforeAll(async () => {
    buildConsole();
    dir = makeTempDir();
    broker = await startTestBroker(dir.path, {}, new FakeClock());
    await createFixtures(broker.url);
    stub = new AuthStub(broker.url, TOKEN);
    await stub.start();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await stub?.stop();
    await broker?.close();
    dir?.remove();
  });

  it('asks for a token on 401, keeps it for the tab only and sends it on every call', async () => {
    const { context, page, errors } = await openTab(browser);
    await page.goto(`${stub.url}/console#/topics`);
    await page.getByRole('textbox', { name: 'Token' }).waitFor();
    await page.getByRole('alert').getByText('UNAUTHENTICATED').waitFor();
    await screenshot(page, 'token');

    await page.getByRole('textbox', { name: 'Token' }).fill(TOKEN);
    await page.getByRole('button', { name: 'Use token' }).click();
    await waitForTable(page, 'Topics', [
      { Topic: FIXTURE.timedTopic },
      { Topic: FIXTURE.deadLetterTopic },
      { Topic: FIXTURE.topic },
      { Topic: FIXTURE.shareTopic },
    ]);
    await page.getByRole('link', { name: 'Dead letters', exact: true }).click();
    await waitForTable(page, 'Dead-letter topics', [
      { 'Dead-letter topic': FIXTURE.deadLetterTopic },
    ]);
    expect(await page.evaluate(() => (globalThis as any).sessionStorage.length)).toBe(1);
    expect(stub.apiCalls.map((c) => c.path)).not.toContain('/favicon.ico');
    const firstGood = stub.apiCalls.findIndex((c) => c.authorization === `Bearer ${TOKEN}`);
    expect(firstGood).toBeGreaterThan(0);
    expect(stub.apiCalls.slice(firstGood).every((c) => c.authorization === `Bearer ${TOKEN}`)).toBe(
      true,
    );
    expect(stub.apiCalls.slice(firstGood).map((c) => c.path)).toContain('/dlq');
    // Only the refused calls themselves are logged by the browser.
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    await context.close();

    // Another tab starts without the token.
    const other = await openTab(browser);
    await other.page.goto(`${stub.url}/console#/topics`);
    await other.page.getByRole('textbox', { name: 'Token' }).waitFor();
    await other.context.close();
  });
});
