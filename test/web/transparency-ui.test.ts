/**
 * The transparency-log page in a real browser against the real server: `sakimori serve --demo`
 * issues a checkpoint at start-up, Debian's chromium renders web/dist. Needs `npm run build`
 * first and /usr/bin/chromium: without them the test fails, it does not skip.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { generateNoteKey, parseSignerKey } from '../../src/core/transparency/checkpoint.js';
import { openTransparencyLog } from '../../src/transparency/open-transparency-log.js';
import { cosignLatest } from '../../src/transparency/witness-cosigner.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { CHROMIUM, DATA_TIMEOUT_MS, eventually, launchBrowser, openPage, screenshot, startServer, stopServer, type RunningServer } from '../helpers/browser-harness.js';
import { sampleEntries } from '../transparency/sample-entries.js';

const SCREENSHOT = join(REPO_ROOT, 'dist/screenshots/transparency.png');
const SCREENSHOT_EN = join(REPO_ROOT, 'dist/screenshots/transparency-en.png');
const SCREENSHOT_FAILED = join(REPO_ROOT, 'dist/screenshots/transparency-failed.png');


test('Debian chromium is installed (browser tests never download one)', () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium`);
});

describe('transparency log page', () => {
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

  test('is Japanese by default and shows the checkpoint issued at start-up', { timeout: 60_000 }, async () => {
    await page.goto(`${server!.url}/#/transparency`);
    await page.getByRole('heading', { level: 1, name: '透明性ログ' }).waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('html').getAttribute('lang'), 'ja');
    assert.match(await page.title(), /透明性ログ/);
    const nav = page.getByRole('navigation', { name: 'メインナビゲーション' });
    assert.equal(await nav.getByRole('link', { name: '透明性ログ' }).getAttribute('aria-current'), 'page');
    assert.equal(await nav.getByRole('link', { name: '収集' }).count(), 1);
    await page.getByRole('heading', { level: 2, name: '最新チェックポイント' }).waitFor();
    await page.getByRole('heading', { level: 2, name: '検証鍵' }).waitFor();
    assert.match(await page.getByTestId('tlog-size').innerText(), /ログのエントリ数/);

    // serve issues one at start-up; the page polls every 5 s.
    const size = await eventually('checkpoint shown', () => page.getByTestId('tlog-checkpoint').getAttribute('data-size'), (s) => s !== null && s !== '');
    assert.ok(Number(size) >= 0, `checkpoint size ${size}`);
    const full = await page.getByTestId('tlog-root-full').innerText();
    assert.equal(Buffer.from(full, 'base64').length, 32, `root hash ${full} is 32 bytes of base64`);
    assert.ok(full.startsWith((await page.getByTestId('tlog-root-short').innerText()).replace('…', '')));
    assert.match(await page.getByTestId('tlog-cosigned').innerText(), /未連署/);
    assert.ok((await page.getByTestId('tlog-keys').locator('li').count()) >= 1, 'the log key is listed');
    assert.match(await page.getByTestId('tlog-keys').innerText(), /ログ/);
  });

  test('Verify now runs the audit verification and shows success with counts', { timeout: 60_000 }, async () => {
    await page.getByRole('button', { name: '今すぐ検証' }).click();
    const result = page.getByTestId('tlog-verify-result');
    await result.waitFor({ timeout: DATA_TIMEOUT_MS });
    assert.equal(await result.getAttribute('data-ok'), 'true', await result.innerText());
    const text = await result.innerText();
    assert.match(text, /✓/);
    assert.match(text, /検証成功/);
    assert.match(text, /チェックポイント [\d,]+ 件を検証（[\d,]+ ミリ秒）/);
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the 1280px viewport`);
    await screenshot(page, SCREENSHOT);
  });

  test('switches to English', { timeout: 60_000 }, async () => {
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { level: 1, name: 'Transparency log' }).waitFor({ timeout: 5_000 });
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await page.getByRole('heading', { level: 2, name: 'Latest checkpoint' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Verifier keys' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Verify now' }).count(), 1);
    assert.match(await page.getByTestId('tlog-verify-result').innerText(), /Verified/);
    assert.match(await page.getByTestId('tlog-cosigned').innerText(), /Not cosigned/);
    assert.equal(await page.getByRole('link', { name: '透明性ログ' }).count(), 0);
    await screenshot(page, SCREENSHOT_EN);
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  });
});

describe('transparency log page: a cosigned log, then a row tampered behind the server', () => {
  const ENTRIES = 25;
  /** The entries written by the test plus serve's config-change entry at start-up. */
  const SIZE = ENTRIES + 1;
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  before(async () => {
    // A log with entries written before serve starts; serve then appends its start-up config-change
    // entry and issues a checkpoint, which the commission (witness) cosigns behind the server.
    server = await startServer([], async (dataDir) => {
      const log = openTransparencyLog(dataDir);
      await log.append(sampleEntries(ENTRIES));
      await log.close();
    });
    const log = openTransparencyLog(server.dataDir);
    await eventually('start-up checkpoint', async () => (await log.latestCheckpoint())?.size ?? 0, (n) => n === SIZE);
    const w = generateNoteKey('commission.example');
    await cosignLatest(log, { signer: parseSignerKey(w.skey), verifierKey: w.vkey, logKey: log.verifierKey as string }, undefined);
    await log.close();
    browser = await launchBrowser();
    page = await openPage(browser, pageErrors);
  });

  after(async () => {
    await browser?.close();
    await stopServer(server);
  });

  test('shows the entries, the cosigned badge and the witness key; verifies', { timeout: 60_000 }, async () => {
    await page.goto(`${server!.url}/#/transparency`);
    await page.getByRole('heading', { level: 1, name: '透明性ログ' }).waitFor({ timeout: 10_000 });
    await eventually('log entries', async () => Number(await page.getByTestId('tlog-size').getAttribute('data-value', { timeout: 2_000 })), (n) => n === SIZE);
    assert.equal(await page.getByTestId('tlog-checkpoint').getAttribute('data-size'), String(SIZE));
    assert.equal(await page.getByTestId('tlog-cosigned').getAttribute('data-cosigned'), 'true');
    assert.match(await page.getByTestId('tlog-cosigned').innerText(), /連署済み/);
    assert.match(await page.getByTestId('tlog-checkpoint').innerText(), /commission\.example/);
    assert.equal(await page.getByTestId('tlog-keys').locator('li').count(), 2);
    assert.match(await page.getByTestId('tlog-keys').innerText(), /証人/);
    await page.getByRole('button', { name: '今すぐ検証' }).click();
    const result = page.getByTestId('tlog-verify-result');
    await eventually('healthy verification', () => result.getAttribute('data-ok', { timeout: 10_000 }), (v) => v === 'true');
    assert.match(await result.innerText(), new RegExp(`エントリ ${SIZE} 件`));
  });

  test('an edited row turns Verify now red and names the entry', { timeout: 60_000 }, async () => {
    // An insider with file access edits entry 15, dropping the append-only trigger first.
    // The running server may hold the write lock for a moment (a checkpoint): wait for it.
    execFileSync('sqlite3', [
      '-cmd',
      '.timeout 10000',
      join(server!.dataDir, 'sakimori.db'),
      "DROP TRIGGER log_entries_append_only_u; UPDATE log_entries SET entry = replace(entry, 'dst_port=23', 'dst_port=22') WHERE seq = 15;",
    ]);
    await page.getByRole('button', { name: '今すぐ検証' }).click();
    const result = page.getByTestId('tlog-verify-result');
    await eventually('failed verification', () => result.getAttribute('data-ok', { timeout: 10_000 }), (v) => v === 'false');
    const text = await result.innerText();
    assert.match(text, /✗/);
    assert.match(text, /検証失敗/);
    assert.match(text, /最初の問題/);
    assert.match(text, /\[entry-stored-hash\] entry 15:/);
    await screenshot(page, SCREENSHOT_FAILED);
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  });
});
