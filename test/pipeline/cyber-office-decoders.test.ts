/**
 * The cyber-office collector selects the same way whatever the exporter speaks: NetFlow v5 (fixed
 * records, text addresses) and NetFlow v9 (compiled template decoder, IPv4 text deferred) through
 * the same approval as the IPFIX erasure test. Only the selected flows are stored, their domestic
 * ends as pseudonyms; no unselected address is in any file of the data directory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeGeoIo } from '../../src/classify/node-geo-io.js';
import { Collector } from '../../src/collector/collector.js';
import { parseConfig } from '../../src/config/load-config.js';
import { createClassificationConfig } from '../../src/core/classify/classification-config.js';
import { FlowClassifier } from '../../src/core/classify/flow-direction.js';
import { loadGeoDatabase } from '../../src/core/classify/geo-loader.js';
import { encodeNetflowV5, NetflowV9Encoder } from '../../src/core/flow/encoders/export-encoder.js';
import { emptyFlowRecord, type FlowRecord } from '../../src/core/flow/flow-record.js';
import { signApproval, type ApprovalBody } from '../../src/core/selection/approval.js';
import { criteriaHash } from '../../src/core/selection/criteria.js';
import { Pseudonymizer } from '../../src/core/selection/pseudonym.js';
import { createLogger } from '../../src/observability/logger.js';
import { SelectedFlowQueries } from '../../src/storage/selected-flow-store.js';
import { openSqlite } from '../../src/storage/sqlite/sqlite-database.js';
import { pickAddresses } from '../helpers/geo-pick.js';
import { REPO_ROOT } from '../helpers/paths.js';

const CRITERIA_FILE = join(REPO_ROOT, 'examples/approvals/criteria-c2-example.json');

function flow(src: string, dst: string, dstPort: number, proto: number, t: number): FlowRecord {
  return { ...emptyFlowRecord('netflow-v9', '127.0.0.1', 0), src, dst, srcPort: 40000 + dstPort, dstPort, proto, packets: 3, octets: 180, sampledPackets: 3, sampledOctets: 180, start: t - 1000, end: t };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

test('cyber-office collector: NetFlow v5 and v9 flows are selected, minimized and erased like IPFIX ones', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'saki-co-decoders-'));
  const etcDir = mkdtempSync(join(tmpdir(), 'saki-co-decoders-etc-'));
  try {
    const geo = await loadGeoDatabase(nodeGeoIo(dataDir));
    const classifier = new FlowClassifier(geo.db, createClassificationConfig({ domesticCountries: ['JP'] }));
    const jp = pickAddresses(classifier, 'domestic', 10, 101);
    const foreign = pickAddresses(classifier, 'foreign', 10, 103);
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(join(etcDir, 'commission.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    const criteria = JSON.parse(readFileSync(CRITERIA_FILE, 'utf8')) as unknown;
    const now = Date.now();
    const body: ApprovalBody = {
      id: 'test-approval-decoders',
      channel: 'foreign-domestic',
      scope: { feeds: ['127.0.0.1'] },
      criteriaHash: criteriaHash(criteria),
      validFrom: new Date(now - 3600_000).toISOString(),
      validTo: new Date(now + 3600_000).toISOString(),
      approvers: ['test-member-1'],
    };
    writeFileSync(join(etcDir, 'approval.json'), JSON.stringify({ ...body, signatures: [signApproval(body, privateKey, 'test-key-1')] }));

    // Telnet from abroad to Japan is selected; the rest is erased (another port, UDP, the other way, 内内, 外外).
    const v5Selected = [flow(foreign[0], jp[0], 23, 6, now), flow(foreign[1], jp[1], 2323, 6, now)];
    const v5Erased = [flow(foreign[2], jp[2], 443, 6, now), flow(jp[3], foreign[3], 23, 6, now), flow(jp[4], jp[5], 23, 6, now)];
    const v9Selected = [flow(foreign[4], jp[6], 23, 6, now)];
    const v9Erased = [flow(foreign[5], jp[7], 23, 17, now), flow(foreign[6], foreign[7], 23, 6, now), flow(jp[8], foreign[8], 2323, 6, now)];
    const selected = [...v5Selected, ...v9Selected];
    const erased = [...v5Erased, ...v9Erased];
    const kept = new Set(selected.flatMap((r) => [r.src, r.dst]));
    const gone = [...new Set(erased.flatMap((r) => [r.src, r.dst]))].filter((a) => !kept.has(a));
    assert.ok(gone.length >= 8);

    const config = parseConfig({
      role: 'cyber-office',
      dataDir,
      log: { level: 'debug' },
      collector: { listeners: [{ protocol: 'netflow', address: '127.0.0.1', port: 0 }], receiveBufferBytes: 1 << 20, queueBytes: 1 << 20 },
      selection: {
        commissionKeys: [{ keyId: 'test-key-1', publicKeyFile: join(etcDir, 'commission.pub.pem') }],
        approvals: [{ approvalFile: join(etcDir, 'approval.json'), criteriaFile: CRITERIA_FILE }],
      },
    });
    const collector = new Collector(config, createLogger('debug', createWriteStream(join(dataDir, 'sakimori.log'))));
    const [listener] = await collector.start();
    try {
      const unix = Math.floor(now / 1000);
      const uptime = 3_600_000;
      // Flow times relative to the exporter's uptime, as routers send them.
      const rel = (rs: FlowRecord[]) => rs.map((r) => ({ ...r, start: uptime - 1000, end: uptime }));
      const v9 = new NetflowV9Encoder({ domain: 7 });
      const datagrams = [...encodeNetflowV5(rel([...v5Erased.slice(0, 1), ...v5Selected, ...v5Erased.slice(1)]), unix, uptime), v9.templatePacket(unix, uptime), ...v9.dataPackets(rel([...v9Erased.slice(0, 2), ...v9Selected, ...v9Erased.slice(2)]), unix, uptime)];
      const s = createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
      for (const d of datagrams) await new Promise<void>((r) => s.send(d, listener.port, '127.0.0.1', () => r()));
      s.close();
      const t0 = Date.now();
      while (collector.status().stored + collector.status().erased < selected.length + erased.length && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await collector.stop();
    }
    const st = collector.status();
    assert.equal(st.stored, selected.length);
    assert.equal(st.erased, erased.length);

    const db = openSqlite(dataDir);
    try {
      const rows = await new SelectedFlowQueries(db.db).recent(100);
      const pseudonymizer = new Pseudonymizer('p1', readFileSync(join(dataDir, 'pseudonym.key')));
      assert.deepEqual(
        rows.map((r) => [r.criteria.join(','), r.fields.src, r.fields.dst, r.fields.dstPort]).sort(),
        selected.map((f) => ['telnet-scan-from-abroad', f.src, pseudonymizer.pseudonym(f.dst), f.dstPort]).sort(),
      );
    } finally {
      await db.close();
    }
    // No unselected address in any file: as text, or as its four bytes. The scan works: the
    // selected foreign addresses are found as text.
    const everything = Buffer.concat(filesUnder(dataDir).map((f) => readFileSync(f)));
    for (const f of selected) assert.ok(everything.includes(Buffer.from(f.src, 'latin1')), `selected ${f.src} not found`);
    for (const file of filesUnder(dataDir)) {
      const bytes = readFileSync(file);
      for (const a of [...gone, ...selected.map((f) => f.dst)]) {
        assert.equal(bytes.includes(Buffer.from(a, 'latin1')), false, `${a} as text in ${file}`);
        assert.equal(bytes.includes(Buffer.from(a.split('.').map(Number))), false, `${a} as bytes in ${file}`);
      }
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(etcDir, { recursive: true, force: true });
  }
});
