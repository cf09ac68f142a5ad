/**
 * The detections page and the hub page in a real browser against the real server:
 * `sakimori serve --demo --hub` fills the detection store with the labelled synthetic demo
 * candidates and has three demo carriers submit signed lists to its hub.
 * Needs `npm run build` and /usr/bin/chromium: without them the test fails, it does not skip.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT } from '../helpers/paths.js';
import { eventually, launchBrowser, openPage, screenshot, startServer, stopServer, type RunningServer } from '../helpers/browser-harness.js';

const SCREENSHOT = join(REPO_ROOT, 'dist/screenshots/detections.png');
const SCREENSHOT_EN = join(REPO_ROOT, 'dist/screenshots/detections-en.png');
const SCREENSHOT_HUB = join(REPO_ROOT, 'dist/screenshots/hub.png');

describe('detections and hub pages', () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  const api = async <T>(path: string) => (await (await fetch(`${server!.url}${path}`, { headers: { connection: 'close' } })).json()) as T;

  before(async () => {
    server = await startServer(['--hub']);
    browser = await launchBrowser();
    page = await openPage(browser, pageErrors);
  });

  after(async () => {
    await browser?.close();
    await stopServer(server);
  });

  test('detections page (ja): demo label, ranked list, detail with evidence, chart, country bars, STIX link', { timeout: 90_000 }, async () => {
    await page.goto(`${server!.url}/#/detections`);
    await page.getByRole('heading', { level: 1, name: '検知候補' }).waitFor({ timeout: 15_000 });
    assert.equal(await page.getByRole('navigation', { name: 'メインナビゲーション' }).getByRole('link', { name: '検知' }).getAttribute('aria-current'), 'page');
    await page.getByTestId('detections-demo').waitFor();
    assert.match(await page.locator('.demo-hint').innerText(), /デモデータ/);

    const list = await api<{ total: number; items: { key: string; score: number; evidence: { flows: number } }[] }>('/api/v1/detections?limit=25');
    const table = page.getByTestId('detections-table');
    await table.waitFor();
    assert.equal(Number(await table.getAttribute('data-total')), list.total);
    const keys = await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')));
    assert.deepEqual(keys, list.items.map((d) => d.key), 'same ranking as the API');

    await table.locator('tbody tr').first().getByRole('button').click();
    const detail = page.getByTestId('detection-detail');
    await eventually('detail shown', () => detail.getAttribute('data-key'), (k) => k === list.items[0].key);
    assert.equal(await detail.getByTestId('evidence-flows').innerText(), list.items[0].evidence.flows.toLocaleString('ja-JP'));
    assert.ok((await detail.getByTestId('evidence-scores').locator('li').count()) >= 1);

    const stats = await api<{ byCountry: { country: string; count: number }[]; byKind: Record<string, number> }>('/api/v1/detections/stats');
    const bars = page.getByTestId('country-bars').locator('g[data-country]');
    await bars.first().waitFor();
    assert.equal(await bars.count(), Math.min(15, stats.byCountry.length));
    assert.equal(await bars.first().getAttribute('data-country'), stats.byCountry[0].country);
    assert.equal(Number(await page.getByTestId('detections-counts').locator('[data-kind="c2"]').getAttribute('data-value')), stats.byKind.c2);
    await page.getByTestId('detections-chart').locator('canvas').first().waitFor();

    await page.getByTestId('filter-kind').selectOption('c2');
    await eventually('c2 filter applied', () => table.getAttribute('data-total'), (v) => Number(v) === stats.byKind.c2);

    const href = await page.getByTestId('stix-download').getAttribute('href');
    assert.equal(href, '/api/v1/detections/export.stix?kind=c2');
    const stix = await page.request.get(`${server!.url}${href}`);
    assert.equal(stix.status(), 200);
    assert.match(stix.headers()['content-type'] ?? '', /application\/stix\+json/);
    const bundle = (await stix.json()) as { objects: { type: string }[] };
    assert.equal(bundle.objects.filter((o) => o.type === 'indicator').length, stats.byKind.c2);
    await screenshot(page, SCREENSHOT);

    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { level: 1, name: 'Detection candidates' }).waitFor();
    assert.equal(await page.getByTestId('detections-demo').innerText(), 'Demo data');
    await screenshot(page, SCREENSHOT_EN);
    await page.getByRole('button', { name: '日本語' }).click();
  });

  test('hub page: overlap between the demo carriers, vet then publish an entry into the signed list', { timeout: 90_000 }, async () => {
    await page.goto(`${server!.url}/#/hub`);
    await page.getByRole('heading', { level: 1, name: 'C&C リスト共有ハブ' }).waitFor({ timeout: 15_000 });
    const overlap = await api<{ total: number; seenBy: { one: number; two: number; threeOrMore: number } }>('/api/v1/hub/overlap');
    const panel = page.getByTestId('hub-overlap');
    await panel.waitFor();
    assert.equal(Number(await panel.getAttribute('data-total')), overlap.total);
    assert.equal(Number(await panel.getAttribute('data-three')), overlap.seenBy.threeOrMore);
    assert.equal(await page.getByTestId('hub-pairs').locator('tbody tr').count(), 3);

    const row = page.getByTestId('hub-entries').locator('tbody tr[data-status="pending"]').first();
    const key = (await row.getAttribute('data-key'))!;
    const target = page.getByTestId('hub-entries').locator(`tbody tr[data-key="${key}"]`);
    await target.getByRole('button', { name: '審査済みにする' }).click();
    await eventually('vetted', () => target.getAttribute('data-status'), (s) => s === 'vetted');
    await target.getByRole('button', { name: '公開する' }).click();
    await eventually('published', () => target.getAttribute('data-status'), (s) => s === 'published');
    const [ip, port] = key.split('|');
    const signed = await api<{ document: { entries: { ip: string; port: number }[] }; signature: { keyId: string } }>('/api/v1/hub/list');
    assert.ok(signed.document.entries.some((e) => e.ip === ip && e.port === Number(port)));
    assert.equal(await page.getByTestId('hub-entries').locator('tbody tr[data-status="allowlisted"]').count(), 1, '8.8.8.8 is held back');
    await screenshot(page, SCREENSHOT_HUB);
    assert.deepEqual(pageErrors, []);
  });
});
