/**
 * Runtime reload on a real cyber-office collector: a file change in the approvals directory or the
 * revocation list reloads the set (fs.watch, debounced); a tampered approval is refused with its
 * code and the old set keeps selecting; a revocation erases every record after it, counted; each
 * change is in the transparency log (config-change, approval-decision 'revoked').
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { nodeGeoIo } from '../../src/classify/node-geo-io.js';
import { Collector } from '../../src/collector/collector.js';
import { parseConfig } from '../../src/config/load-config.js';
import { createClassificationConfig } from '../../src/core/classify/classification-config.js';
import { FlowClassifier } from '../../src/core/classify/flow-direction.js';
import { loadGeoDatabase } from '../../src/core/classify/geo-loader.js';
import { IpfixEncoder } from '../../src/core/flow/encoders/export-encoder.js';
import { emptyFlowRecord, type FlowRecord } from '../../src/core/flow/flow-record.js';
import { signApproval, type ApprovalBody } from '../../src/core/selection/approval.js';
import { criteriaHash } from '../../src/core/selection/criteria.js';
import { createLogger } from '../../src/observability/logger.js';
import { openTransparencyLog } from '../../src/transparency/open-transparency-log.js';
import { REPO_ROOT } from '../helpers/paths.js';

const CRITERIA_FILE = join(REPO_ROOT, 'examples/approvals/criteria-c2-example.json');

async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function pick(classifier: FlowClassifier, side: 'domestic' | 'foreign', seed: number): string {
  let x = seed >>> 0;
  const next = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
  for (;;) {
    const addr = `${1 + (next() % 222)}.${next() % 256}.${next() % 256}.${3 + 2 * (next() % 120)}`;
    const c = classifier.classifyAddress(addr);
    if (c.side === side && c.special === undefined) return addr;
  }
}

test('cyber-office collector reloads approvals on file change: bad set refused (old one stays), revocation erases from then on, all logged', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saki-reload-coll-'));
  const dataDir = join(dir, 'data');
  const approvalsDir = join(dir, 'approvals');
  mkdirSync(approvalsDir);
  try {
    const geo = await loadGeoDatabase(nodeGeoIo(dataDir));
    const classifier = new FlowClassifier(geo.db, createClassificationConfig({ domesticCountries: ['JP'] }));
    const foreign = pick(classifier, 'foreign', 5);
    const jp = pick(classifier, 'domestic', 9);

    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'commission.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    const criteria = JSON.parse(readFileSync(CRITERIA_FILE, 'utf8')) as Record<string, unknown>;
    const now = Date.now();
    const body: ApprovalBody = {
      id: 'reload-approval-1',
      channel: 'foreign-domestic',
      scope: { feeds: ['127.0.0.1'] },
      criteriaHash: criteriaHash(criteria),
      validFrom: new Date(now - 3600_000).toISOString(),
      validTo: new Date(now + 3600_000).toISOString(),
      approvers: ['member-a'],
    };
    writeFileSync(join(approvalsDir, 'one.criteria.json'), JSON.stringify(criteria));
    writeFileSync(join(approvalsDir, 'one.approval.json'), JSON.stringify({ ...body, signatures: [signApproval(body, privateKey, 'key-1')] }));
    const revocationFile = join(dir, 'revocations.json');
    writeFileSync(revocationFile, JSON.stringify({ version: 1, revocations: [] }));

    const lines: string[] = [];
    const logger = createLogger('debug', new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    const config = parseConfig({
      role: 'cyber-office',
      dataDir,
      collector: { listeners: [{ protocol: 'netflow', address: '127.0.0.1', port: 0 }], receiveBufferBytes: 1 << 20, queueBytes: 1 << 20 },
      selection: { commissionKeys: [{ keyId: 'key-1', publicKeyFile: join(dir, 'commission.pub.pem') }], approvalsDir, revocationFile },
    });
    const transparency = openTransparencyLog(dataDir);
    const collector = new Collector(config, logger, { transparency, attestationWindowMs: 500 });
    const [listener] = await collector.start();
    const enc = new IpfixEncoder({ domain: 1 });
    const sock = createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    let sent = 0;
    const revokedAt = new Date(now - 1000).toISOString();
    const sendTelnet = async (n: number) => {
      const unix = Math.floor(Date.now() / 1000);
      const flows: FlowRecord[] = Array.from({ length: n }, (_, i) => ({ ...emptyFlowRecord('ipfix', '127.0.0.1', 1), src: foreign, dst: jp, srcPort: 40000 + i, dstPort: 23, proto: 6, packets: 1, octets: 60, sampledPackets: 1, sampledOctets: 60, start: Date.now() - 1000, end: Date.now() }));
      for (const d of [enc.templateMessage(unix), ...enc.dataMessages(flows, unix)]) await new Promise<void>((r) => sock.send(d, listener.port, '127.0.0.1', () => r()));
      sent += n;
      await until(() => collector.status().stored + collector.status().erased >= sent, 'records');
    };
    try {
      await sendTelnet(10);
      assert.equal(collector.status().stored, 10);
      await until(() => (collector.selectionStatus()?.approvals.length ?? 0) === 1, 'status');

      // A tampered approval appears: the reload is refused with its code, the old set keeps selecting.
      const tampered = { ...body, id: 'reload-approval-2', scope: { feeds: ['127.0.0.1', '192.0.2.9'] } };
      writeFileSync(join(approvalsDir, 'two.criteria.json'), JSON.stringify(criteria));
      writeFileSync(join(approvalsDir, 'two.approval.json'), JSON.stringify({ ...tampered, signatures: [signApproval(body, privateKey, 'key-1')] }));
      await until(() => collector.selectionStatus()?.lastReload?.ok === false, 'refused reload');
      assert.equal(collector.selectionStatus()?.lastReload?.code, 'SAKI_ERR_APPROVAL_ALTERED');
      await sendTelnet(10);
      assert.equal(collector.status().stored, 20);
      unlinkSync(join(approvalsDir, 'two.approval.json'));
      await until(() => collector.selectionStatus()?.lastReload?.ok === true, 'reload after removal');

      // Revoked by the commission: from the next record on, everything is erased and counted.
      writeFileSync(revocationFile, JSON.stringify({ version: 1, revocations: [{ approvalId: body.id, revokedAt, revokedBy: 'commission-chair', reason: 'criteria superseded' }] }));
      await until(() => collector.selectionStatus()?.approvals[0]?.revokedAt !== undefined, 'revocation');
      const erasedBefore = collector.status().erased;
      await sendTelnet(10);
      assert.equal(collector.status().stored, 20);
      assert.equal(collector.status().erased, erasedBefore + 10);
      // The explicit reload (SIGHUP's path) with nothing changed appends nothing.
      const sizeBefore = await transparency.size();
      const again = await collector.reloadSelection('test');
      assert.equal(again.ok, true);
      assert.equal(await transparency.size(), sizeBefore);
    } finally {
      sock.close();
      await collector.stop();
    }
    const entries = (await transparency.entries(0, await transparency.size())).map((e) => JSON.parse(e.entry) as Record<string, unknown>);
    const revoked = entries.filter((e) => e.type === 'approval-decision');
    assert.equal(revoked.length, 1);
    assert.equal(revoked[0].decision, 'revoked');
    assert.equal(revoked[0].approvalId, body.id);
    assert.equal((revoked[0].decidedBy as { who: string }).who, 'commission-chair');
    assert.ok(entries.some((e) => e.type === 'config-change' && (e.changedPaths as string[]).includes('selection.revocationFile')));
    const attested = entries.filter((e) => e.type === 'selection-attestation') as unknown as { counts: { in: number; selected: number; outOfScope: number } }[];
    assert.equal(attested.reduce((n, a) => n + a.counts.in, 0), 30);
    assert.equal(attested.reduce((n, a) => n + a.counts.selected, 0), 20);
    assert.equal(attested.reduce((n, a) => n + a.counts.outOfScope, 0), 10);
    // Refusals are logged by code and file name only.
    const refusal = lines.map((l) => JSON.parse(l) as { msg: string; cause?: string; file?: string }).find((l) => l.msg.startsWith('approval reload refused') && l.cause);
    assert.equal(refusal?.file, 'two.approval.json');
    assert.ok(!lines.join('').includes('192.0.2.9'));

    // A revocation added while the instance is down is recorded at the next start, once; what the
    // log already holds is not repeated.
    writeFileSync(
      revocationFile,
      JSON.stringify({
        version: 1,
        revocations: [
          { approvalId: body.id, revokedAt, revokedBy: 'commission-chair', reason: 'criteria superseded' },
          { approvalId: 'reload-approval-9', revokedAt: new Date().toISOString(), revokedBy: 'commission-chair' },
        ],
      }),
    );
    const sizeBefore = await transparency.size();
    const second = new Collector(config, logger, { transparency });
    await second.start();
    await until(() => (second.selectionStatus()?.approvals.length ?? 0) === 1, 'second start');
    await second.stop();
    const added = (await transparency.entries(sizeBefore, await transparency.size())).map((e) => JSON.parse(e.entry) as Record<string, unknown>);
    assert.deepEqual(
      added.map((e) => [e.type, e.approvalId]),
      [['approval-decision', 'reload-approval-9']],
    );
    await transparency.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
