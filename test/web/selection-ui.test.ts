/**
 * The selection page (#/selection) in a real browser against `sakimori serve --demo` in the
 * cyber-office role, with an approval of demo-traffic criteria signed by a fresh key: channels and
 * feeds, the approval and its state, rising selected/erased counts, the ratio chart, a
 * purpose-bound read that names its transparency log entry, and a revocation written to the
 * revocation list showing up without a restart. Needs `npm run build` and /usr/bin/chromium.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { signApproval, type ApprovalBody } from '../../src/core/selection/approval.js';
import { criteriaHash } from '../../src/core/selection/criteria.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { eventually, launchBrowser, openPage, screenshot, startServer, stopServer, type RunningServer } from '../helpers/browser-harness.js';

const SCREENSHOT = join(REPO_ROOT, 'dist/screenshots/selection.png');
const SCREENSHOT_EN = join(REPO_ROOT, 'dist/screenshots/selection-en.png');
/** The server compiles the geo database on its first start: give data time to arrive. */
const SLOW_MS = 90_000;
const APPROVAL_ID = 'demo-approval-web-dns';

async function numberAttr(page: Page, testId: string): Promise<number> {
  const v = await page.getByTestId(testId).getAttribute('data-value', { timeout: 2_000 }).catch(() => null);
  return v === null ? -1 : Number(v);
}

describe('selection page: cyber-office role, demo replay under a demo approval', () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  const etc = mkdtempSync(join(tmpdir(), 'sakimori-web-sel-'));
  const revocationFile = join(etc, 'revocations.json');

  before(async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(join(etc, 'commission.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    const criteria = {
      version: 1,
      criteria: [
        { id: 'web', description: 'Demo: web traffic', match: { dstPorts: [443, 80], protocols: [6] } },
        { id: 'dns', description: 'Demo: DNS', match: { dstPorts: [53], protocols: [17] } },
      ],
      fields: ['start', 'end', 'src', 'dst', 'srcPort', 'dstPort', 'proto', 'direction'],
      allowDomesticAddresses: false,
    };
    const now = Date.now();
    const body: ApprovalBody = {
      id: APPROVAL_ID,
      channel: 'agreement',
      scope: { feeds: ['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4'], operator: 'demo-operator' },
      criteriaHash: criteriaHash(criteria),
      validFrom: new Date(now - 3600_000).toISOString(),
      validTo: new Date(now + 3600_000).toISOString(),
      approvers: ['demo-member'],
    };
    const approvals = join(etc, 'approvals');
    mkdirSync(approvals);
    writeFileSync(join(approvals, 'demo.criteria.json'), JSON.stringify(criteria));
    writeFileSync(join(approvals, 'demo.approval.json'), JSON.stringify({ ...body, signatures: [signApproval(body, privateKey, 'demo-key')] }));
    writeFileSync(revocationFile, JSON.stringify({ version: 1, revocations: [] }));
    const config = join(etc, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ role: 'cyber-office', selection: { commissionKeys: [{ keyId: 'demo-key', publicKeyFile: join(etc, 'commission.pub.pem') }], approvalsDir: approvals, revocationFile } }),
    );
    server = await startServer(['--config', config]);
    browser = await launchBrowser();
    page = await openPage(browser, pageErrors);
  });

  after(async () => {
    await browser?.close();
    await stopServer(server);
    rmSync(etc, { recursive: true, force: true });
  });

  test('Japanese first: channels, the approval with its validity, rising counts and the ratio chart', { timeout: SLOW_MS + 30_000 }, async () => {
    await page.goto(`${server!.url}/#/selection`);
    await page.getByRole('heading', { level: 1, name: '自動選別' }).waitFor({ timeout: 10_000 });
    const nav = page.getByRole('navigation', { name: 'メインナビゲーション' });
    assert.equal(await nav.getByRole('link', { name: '自動選別' }).getAttribute('aria-current'), 'page');
    const row = page.locator(`[data-testid="approval-row"][data-approval-id="${APPROVAL_ID}"]`);
    // The decode worker lists its approvals once the geo database is ready (compiled on a first start).
    await row.waitFor({ timeout: SLOW_MS });
    assert.equal(await row.getAttribute('data-state'), 'valid');
    assert.match(await row.innerText(), /有効/);
    assert.match(await row.innerText(), /協定（第3章）/);
    const channels = page.getByTestId('selection-channels');
    assert.match(await channels.innerText(), /127\.0\.0\.2/);
    assert.equal(await channels.locator('[data-channel="agreement"]').count(), 1);

    const selected = await eventually('selected records', () => numberAttr(page, 'selection-selected'), (n) => n > 0, SLOW_MS);
    assert.ok((await numberAttr(page, 'selection-erased')) > 0, 'the demo also has unselected traffic, erased');
    await eventually('selected rising', () => numberAttr(page, 'selection-selected'), (n) => n > selected);
    const inN = await numberAttr(page, 'selection-in');
    assert.ok(inN >= (await numberAttr(page, 'selection-selected')));
    assert.match(await row.innerText(), /web: [1-9]/);
    await page.getByTestId('selection-charts').locator('canvas').first().waitFor({ state: 'visible' });
  });

  test('a purpose-bound read: refused without a purpose, recorded in the transparency log before the records show', { timeout: 60_000 }, async () => {
    const form = page.getByTestId('selected-search');
    const submit = form.getByRole('button', { name: '目的を記録して閲覧' });
    await form.getByLabel('利用者 ID').fill('analyst-1');
    assert.equal(await submit.isDisabled(), true, 'no purpose, no read');
    await form.getByLabel('閲覧目的（8 文字以上）').fill('短い');
    assert.equal(await submit.isDisabled(), true);
    assert.equal(await page.getByTestId('purpose-required').count(), 1);
    const purpose = 'デモ通信のうち Web と DNS の選別結果を確認するため';
    await form.getByLabel('閲覧目的（8 文字以上）').fill(purpose);
    await submit.click();
    const recorded = page.getByTestId('access-recorded');
    await recorded.waitFor({ timeout: 10_000 });
    const seq = Number(await recorded.getAttribute('data-seq'));
    assert.match(await recorded.innerText(), new RegExp(`透明性ログのエントリ #${seq}`));
    assert.ok((await page.getByTestId('selected-table').locator('tbody tr').count()) > 0);
    // The entry the page names is this read: who, role, purpose.
    const res = await fetch(`${server!.url}/api/v1/transparency/entries?start=${seq}&end=${seq + 1}`);
    const entry = JSON.parse(((await res.json()) as { entries: { entry: string }[] }).entries[0].entry) as { type: string; actor: { who: string; role: string }; purpose: string };
    assert.deepEqual([entry.type, entry.actor.who, entry.actor.role, entry.purpose], ['selected-data-access', 'analyst-1', 'cyber-office-analyst', purpose]);
    await screenshot(page, SCREENSHOT);

    // The approval is an agreement: its operator reads the results as its organisation, and only them.
    assert.match(await page.getByTestId('approval-operator').innerText(), /結果の提供先: demo-operator/);
    await form.getByLabel('役割').selectOption('operator');
    assert.equal(await submit.isDisabled(), true, 'an operator needs its organisation');
    await form.getByLabel('組織 ID').fill('demo-operator');
    await submit.click();
    await eventually('operator read recorded', async () => Number(await page.getByTestId('access-recorded').getAttribute('data-seq')), (n) => n > seq);
    const opSeq = Number(await page.getByTestId('access-recorded').getAttribute('data-seq'));
    const rows = page.getByTestId('selected-table').locator('tbody tr');
    assert.ok((await rows.count()) > 0);
    for (const text of await rows.allInnerTexts()) assert.ok(text.includes(APPROVAL_ID), text);
    const opRes = await fetch(`${server!.url}/api/v1/transparency/entries?start=${opSeq}&end=${opSeq + 1}`);
    const opEntry = JSON.parse(((await opRes.json()) as { entries: { entry: string }[] }).entries[0].entry) as { actor: { who: string; role: string; organisation: string } };
    assert.deepEqual(opEntry.actor, { who: 'analyst-1', role: 'operator', organisation: 'demo-operator' });
  });

  test('a revocation written to the list takes effect without a restart and shows as 取消済み', { timeout: 60_000 }, async () => {
    writeFileSync(revocationFile, JSON.stringify({ version: 1, revocations: [{ approvalId: APPROVAL_ID, revokedAt: new Date().toISOString(), revokedBy: 'commission-chair' }] }));
    const row = page.locator(`[data-testid="approval-row"][data-approval-id="${APPROVAL_ID}"]`);
    await eventually('revoked state', () => row.getAttribute('data-state'), (s) => s === 'revoked');
    assert.match(await row.innerText(), /取消済み/);
    assert.match(await row.innerText(), /commission-chair/);
    assert.equal(await page.getByTestId('selection-reload').getAttribute('data-ok'), 'true');
    // From then on nothing more is selected.
    const selected = await numberAttr(page, 'selection-selected');
    const inBefore = await numberAttr(page, 'selection-in');
    await eventually('records still arriving', () => numberAttr(page, 'selection-in'), (n) => n > inBefore + 20);
    assert.ok((await numberAttr(page, 'selection-selected')) <= selected + 5, 'at most a batch in flight at the revocation');
  });

  test('SIGHUP reloads the approvals (serve wiring), shown on the page', { timeout: 30_000 }, async () => {
    server!.proc.kill('SIGHUP');
    const status = await eventually(
      'reload by SIGHUP',
      async () => (await (await fetch(`${server!.url}/api/v1/selection/status`)).json()) as { lastReload: { trigger: string; ok: boolean } | null },
      (s) => s.lastReload?.trigger === 'sighup',
    );
    assert.equal(status.lastReload?.ok, true);
    await eventually('reload notice', () => page.getByTestId('selection-reload').innerText(), (t) => t.includes('sighup'));
    assert.equal(server!.proc.exitCode, null, 'serve keeps running');
  });

  test('switches to English', { timeout: 30_000 }, async () => {
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { level: 1, name: 'Approved selection' }).waitFor({ timeout: 5_000 });
    await page.getByRole('heading', { level: 2, name: 'Read selected records (purpose-bound)' }).waitFor();
    assert.match(await page.getByTestId('approvals-table').innerText(), /Revoked/);
    await screenshot(page, SCREENSHOT_EN);
    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  });
});
