import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';

const ROOT = join(__dirname, '..', '..');
/** Screenshots of every page, for people to look at (ignored by git). */
export const ARTIFACTS = join(ROOT, '.artifacts', 'console');
/** Deadline of any one wait in the browser. */
export const WAIT_MS = 10_000;

/** Builds the console into dist/console, as `npm run build` does (a fraction of a second). */
export function buildConsole(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-console.mjs'), '--quiet'], {
    stdio: 'inherit',
  });
}

/** Debian's Chromium, headless, driven by playwright-core. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 30_000,
  });
}

/**
 * A fresh tab (its own sessionStorage) that records every page error and console error, so that
 * a test can check there were none.
 */
export async function openTab(
  browser: Browser,
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console error: ${message.text()}`);
  });
  return { context, page, errors };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** A table's body rows, each as column header → cell text. */
export type TableRows = Array<Record<string, string>>;

/** Runs in the page: the rows of the table whose accessible name is `name`. */
function readTable(name: string): TableRows {
  const doc = (globalThis as any).document;
  const table = [...doc.querySelectorAll('table')].find(
    (t: any) => t.getAttribute('aria-label') === name,
  );
  if (!table) return [];
  const clean = (text: string | null): string => (text ?? '').replace(/\s+/g, ' ').trim();
  const headers = [...table.querySelectorAll('thead th')].map((th: any) => clean(th.textContent));
  return [...table.querySelectorAll('tbody tr')].map((tr: any) => {
    const row: Record<string, string> = {};
    [...tr.children].forEach((cell: any, i) => {
      row[headers[i] ?? String(i)] = clean(cell.textContent);
    });
    return row;
  });
}

/** Runs in the page: true when the table shows `want` (named columns, in order). */
function tableShows(arg: { name: string; want: TableRows }): boolean {
  const doc = (globalThis as any).document;
  const table = [...doc.querySelectorAll('table')].find(
    (t: any) => t.getAttribute('aria-label') === arg.name,
  );
  if (!table) return false;
  const clean = (text: string | null): string => (text ?? '').replace(/\s+/g, ' ').trim();
  const headers = [...table.querySelectorAll('thead th')].map((th: any) => clean(th.textContent));
  const rows = [...table.querySelectorAll('tbody tr')];
  return (
    rows.length === arg.want.length &&
    arg.want.every((want, i) =>
      Object.entries(want).every(([column, text]) => {
        const index = headers.indexOf(column);
        return index >= 0 && clean(rows[i].children[index]?.textContent) === text;
      }),
    )
  );
}

/**
 * Waits until the table named `name` shows rows whose named columns hold exactly `expected`
 * (in order; other columns are ignored), and answers all its rows; on the deadline, fails
 * showing what the table held.
 */
export async function waitForTable(
  page: Page,
  name: string,
  expected: TableRows,
  timeoutMs = WAIT_MS,
): Promise<TableRows> {
  try {
    await page.waitForFunction(tableShows, { name, want: expected }, { timeout: timeoutMs });
  } catch (error) {
    const actual = await page.evaluate(readTable, name);
    throw new Error(
      `table '${name}' did not show ${JSON.stringify(expected)}; it shows ${JSON.stringify(actual)} (${String(error)})`,
    );
  }
  return page.evaluate(readTable, name);
}
