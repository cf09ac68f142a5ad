/**
 * The collector console in a real browser against the real server: `sakimori serve --demo` replays
 * the sample captures, Debian's chromium (never a downloaded browser) renders web/dist.
 * Needs `npm run build` first (the server serves web/dist) and /usr/bin/chromium: without them the
 * test fails, it does not skip.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT } from '../helpers/paths.js';
import { CHROMIUM, DATA_TIMEOUT_MS, eventually, launchBrowser, openPage, screenshot, sleep, startServer, stopServer, type RunningServer } from '../helpers/browser-harness.js';
import { nativeAddon } from '../../src/native/native-addon.js';

const SCREENSHOT = join(REPO_ROOT, 'dist/screenshots/collector.png');
const SCREENSHOT_EN = join(REPO_ROOT, 'dist/screenshots/collector-en.png');
const SCREENSHOT_CYBER_OFFICE = join(REPO_ROOT, 'dist/screenshots/collector-cyber-office.png');

async function numberAttr(page: Page, testId: string): Promise<number> {
  const v = await page.getByTestId(testId).getAttribute('data-value', { timeout: 2_000 }).catch(() => null);
  return v === null ? -1 : Number(v);
}

test('Debian chromium is installed (browser tests never download one)', () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium`);
});

describe('collector console: carrier role, demo replay', () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    server = await startServer([]);
    browser = await launchBrowser();
    page = await openPage(browser, pageErrors);
  });

  after(async () => {
    await browser?.close();
    await stopServer(server);
  });

  test('is Japanese by default: title, brand, role badge, navigation', { timeout: 60_000 }, async () => {
    await page.goto(`${server!.url}/`);
    await page.getByRole('heading', { level: 1, name: 'フローコレクタ' }).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('html').getAttribute('lang'), 'ja');
    assert.match(await page.title(), /防人 Sakimori/);
    assert.match(await page.title(), /収集/);
    const header = page.getByRole('banner');
    assert.match((await header.innerText()).replace(/\s+/g, ' '), /防人 Sakimori/);
    const nav = page.getByRole('navigation', { name: 'メインナビゲーション' });
    assert.equal(await nav.getByRole('link', { name: '収集' }).getAttribute('aria-current'), 'page');
    await eventually('role badge', () => page.getByTestId('role-badge').innerText(), (s) => s.includes('通信事業者モード'));
    assert.equal(await page.getByTestId('demo-badge').innerText(), 'デモ再生');
    assert.equal(await page.getByRole('button', { name: '日本語' }).getAttribute('aria-pressed'), 'true');
  });

  test('shows exporters and rising counters as the demo replays captures', { timeout: 60_000 }, async () => {
    const rows = await eventually('exporter rows', () => page.getByTestId('exporters-table').locator('tbody tr').count(), (n) => n > 0);
    assert.ok(rows > 0);
    assert.ok(await page.getByRole('columnheader', { name: 'アドレス' }).count() > 0, 'exporter table has column headers');
    const firstExporter = await page.getByTestId('exporters-table').locator('tbody tr').first().getAttribute('data-exporter');
    assert.ok(firstExporter && firstExporter.length > 0);

    const records = await eventually('records total', () => numberAttr(page, 'total-records'), (n) => n > 0);
    const datagrams = await numberAttr(page, 'total-datagrams');
    assert.ok(datagrams > 0, `datagrams ${datagrams}`);
    // Polled every second: the demo keeps replaying, so the counter keeps rising.
    await eventually('records rising', () => numberAttr(page, 'total-records'), (n) => n > records);
    // Live detection is on in the demo: its shed counter has a card (0 on this light stream).
    await eventually('detection card', () => page.getByTestId('total-detection-shed').count(), (n) => n === 1);
    assert.match(await page.getByTestId('total-detection-shed').innerText(), /検知の間引き/);
    assert.equal(await numberAttr(page, 'total-detection-shed'), 0);

    assert.ok((await page.locator('.chart canvas').count()) >= 3, 'three uPlot charts draw on canvases');
    await page.locator('.chart canvas').first().waitFor({ state: 'visible' });
    // The carrier role may see stored records: the recent-flows table fills.
    await eventually('recent flow rows', () => page.getByTestId('flows-table').locator('tbody tr').count(), (n) => n > 0);
    assert.ok((await page.getByTestId('listeners').locator('li').count()) >= 2, 'netflow and sflow listeners are listed');
    // The receive side the status reports (the native thread where the module is built, as in CI).
    assert.equal(await page.getByTestId('receiver').innerText(), nativeAddon() ? 'ネイティブ (recvmmsg)' : 'Node dgram');

    // Works at 1280 px: nothing overflows sideways.
    // A few seconds of history so the screenshot shows lines, not single points.
    await eventually(
      'ten seconds of history',
      async () => ((await (await fetch(`${server!.url}/api/v1/collector/status`)).json()) as { history: unknown[] }).history.length,
      (n) => n >= 10,
    );
    await sleep(1_200);
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the 1280px viewport`);
    await screenshot(page, SCREENSHOT);
  });

  test('switches to English, and remembers the choice across reloads', { timeout: 60_000 }, async () => {
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { level: 1, name: 'Flow collector' }).waitFor({ timeout: 5_000 });
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    const nav = page.getByRole('navigation', { name: 'Main navigation' });
    assert.equal(await nav.getByRole('link', { name: 'Collector' }).count(), 1);
    assert.equal(await page.getByRole('link', { name: '収集' }).count(), 0);
    assert.match(await page.getByTestId('role-badge').innerText(), /Carrier mode/);
    assert.equal(await page.getByTestId('demo-badge').innerText(), 'Demo replay');
    assert.ok((await page.getByRole('columnheader', { name: 'Address' }).count()) > 0);
    assert.match(await page.title(), /Collector/);

    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Flow collector' }).waitFor({ timeout: 10_000 });
    await eventually('exporter rows after reload', () => page.getByTestId('exporters-table').locator('tbody tr').count(), (n) => n > 0);
    await screenshot(page, SCREENSHOT_EN);
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  });
});

describe('collector console: cyber-office role', () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    server = await startServer(['--role', 'cyber-office']);
    browser = await launchBrowser();
    page = await openPage(browser, pageErrors);
  });

  after(async () => {
    await browser?.close();
    await stopServer(server);
  });

  test('never shows pre-selection records and says why (Act Art. 22/23)', { timeout: 60_000 }, async () => {
    await page.goto(`${server!.url}/`);
    await eventually('role badge', () => page.getByTestId('role-badge').innerText(), (s) => s.includes('国家サイバー統括室モード'));
    const notice = page.getByTestId('flows-forbidden');
    await notice.waitFor({ timeout: DATA_TIMEOUT_MS });
    assert.match(await notice.innerText(), /第 22 条・第 23 条/);
    assert.equal(await page.getByTestId('flows-table').count(), 0);
    // The counters themselves are not communications information: they still show.
    await eventually('exporter rows', () => page.getByTestId('exporters-table').locator('tbody tr').count(), (n) => n > 0);
    await screenshot(page, SCREENSHOT_CYBER_OFFICE);
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  });
});
