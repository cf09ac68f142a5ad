/**
 * The test that proves erasure (自動選別, Act Art. 22): a real cyber-office collector receives an
 * IPFIX corpus (IPv4 and IPv6) over loopback; afterwards no file under the data directory (database, WAL, SHM,
 * geo snapshot, keys, the debug-level log) holds any address of an unselected record, in text or
 * binary form, and selected domestic addresses appear only as pseudonyms.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/api/app.js';
import { nodeGeoIo } from '../../src/classify/node-geo-io.js';
import { Collector } from '../../src/collector/collector.js';
import { parseConfig } from '../../src/config/load-config.js';
import { createClassificationConfig } from '../../src/core/classify/classification-config.js';
import { FlowClassifier } from '../../src/core/classify/flow-direction.js';
import { loadGeoDatabase } from '../../src/core/classify/geo-loader.js';
import { IpfixEncoder } from '../../src/core/flow/encoders/export-encoder.js';
import { formatIPv6 } from '../../src/core/flow/ip-address.js';
import { parseIPv6 } from '../../src/core/net/ip-text.js';
import { emptyFlowRecord, type FlowRecord } from '../../src/core/flow/flow-record.js';
import { signApproval, type ApprovalBody } from '../../src/core/selection/approval.js';
import { criteriaHash } from '../../src/core/selection/criteria.js';
import { Pseudonymizer } from '../../src/core/selection/pseudonym.js';
import { createLogger } from '../../src/observability/logger.js';
import { SelectedFlowQueries } from '../../src/storage/selected-flow-store.js';
import { openSqlite } from '../../src/storage/sqlite/sqlite-database.js';
import { openTransparencyLog } from '../../src/transparency/open-transparency-log.js';
import { REPO_ROOT } from '../helpers/paths.js';

const CRITERIA_FILE = join(REPO_ROOT, 'examples/approvals/criteria-c2-example.json');

async function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting for the collector');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function send(port: number, datagrams: Uint8Array[]): Promise<void> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  for (const d of datagrams) await new Promise<void>((r) => s.send(d, port, '127.0.0.1', () => r()));
  s.close();
}

/** Addresses of a given side, found through the classifier (first and last octets avoid range boundaries). */
function pickAddresses(classifier: FlowClassifier, side: 'domestic' | 'foreign', n: number, seed: number): string[] {
  const out: string[] = [];
  let x = seed >>> 0;
  const next = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
  while (out.length < n) {
    const a = 1 + (next() % 222);
    if (a === 10 || a === 127 || a === 100 || a === 172 || a === 192 || a === 169) continue;
    const addr = `${a}.${next() % 256}.${next() % 256}.${3 + 2 * (next() % 120)}`;
    const c = classifier.classifyAddress(addr);
    if (c.side === side && c.special === undefined && !out.includes(addr)) out.push(addr);
  }
  return out;
}

function flow(src: string, dst: string, dstPort: number, proto: number, t: number): FlowRecord {
  return { ...emptyFlowRecord('ipfix', '127.0.0.1', 1), src, dst, srcPort: 40000 + (dstPort % 1000), dstPort, proto, packets: 3, octets: 180, sampledPackets: 3, sampledOctets: 180, start: t - 1000, end: t };
}

/** 16 bytes of an IPv6 address in text form. */
function ipv6Bytes(a: string): Buffer {
  const w = new Uint32Array(4);
  assert.ok(parseIPv6(a, w), a);
  const b = Buffer.alloc(16);
  for (let i = 0; i < 4; i++) b.writeUInt32BE(w[i] >>> 0, 4 * i);
  return b;
}

/**
 * Every form an address could be kept in: text (ASCII and UTF-16LE), and binary. IPv4: 4 bytes and
 * IPv4-mapped 16 bytes. IPv6: the 16 bytes, and the text both RFC 5952-compressed (as decoded) and
 * fully expanded.
 */
function addressForms(a: string): Buffer[] {
  if (a.includes(':')) {
    const b = ipv6Bytes(a);
    const full = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(2 * i).toString(16).padStart(4, '0')).join(':');
    return [Buffer.from(a, 'latin1'), Buffer.from(a, 'utf16le'), Buffer.from(full, 'latin1'), Buffer.from(full, 'utf16le'), b];
  }
  const b = Buffer.from(a.split('.').map(Number));
  const mapped = Buffer.concat([Buffer.alloc(10), Buffer.from([0xff, 0xff]), b]);
  return [Buffer.from(a, 'latin1'), Buffer.from(a, 'utf16le'), b, mapped];
}

/** IPv6 addresses of a given side, found through the classifier, in the decoder's RFC 5952 text. */
function pickIPv6(classifier: FlowClassifier, side: 'domestic' | 'foreign', n: number, seed: number): string[] {
  const out: string[] = [];
  let x = seed >>> 0;
  const next = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0);
  // Regional registries' blocks: APNIC 2400::/12 (JP among others), ARIN 2600::/12, RIPE 2a00::/12.
  const tops = side === 'domestic' ? [0x2400] : [0x2600, 0x2a00];
  for (let tries = 0; out.length < n; tries++) {
    assert.ok(tries < 2_000_000, `no ${side} IPv6 address found`);
    const b = Buffer.alloc(16);
    b.writeUInt16BE(tops[next() % tops.length] | (next() & 0x000f), 0);
    for (let i = 2; i < 14; i += 4) b.writeUInt32BE(next(), i);
    b.writeUInt16BE(0x1000 | (next() & 0x0fff), 14);
    const addr = formatIPv6(b, 0);
    const c = classifier.classifyAddress(addr);
    if (c.side === side && c.special === undefined && !out.includes(addr)) out.push(addr);
  }
  return out;
}


/** IPv6 IPFIX template (RFC 7011; IEs 27/28 sourceIPv6Address/destinationIPv6Address), as a router would send it. */
const V6_FIELDS: readonly [number, number][] = [[27, 16], [28, 16], [7, 2], [11, 2], [4, 1], [6, 1], [2, 4], [1, 4], [10, 2], [14, 2], [152, 8], [153, 8]];
const V6_RECORD = V6_FIELDS.reduce((n, [, l]) => n + l, 0);

function ipfixV6Messages(records: readonly FlowRecord[], unix: number, domain: number): Buffer[] {
  const header = (length: number, seq: number) => {
    const h = Buffer.alloc(16);
    h.writeUInt16BE(10, 0);
    h.writeUInt16BE(length, 2);
    h.writeUInt32BE(unix, 4);
    h.writeUInt32BE(seq, 8);
    h.writeUInt32BE(domain, 12);
    return h;
  };
  const tset = Buffer.alloc(8 + 4 * V6_FIELDS.length);
  tset.writeUInt16BE(2, 0);
  tset.writeUInt16BE(tset.length, 2);
  tset.writeUInt16BE(257, 4);
  tset.writeUInt16BE(V6_FIELDS.length, 6);
  V6_FIELDS.forEach(([id, len], i) => {
    tset.writeUInt16BE(id, 8 + 4 * i);
    tset.writeUInt16BE(len, 10 + 4 * i);
  });
  const dset = Buffer.alloc(4 + V6_RECORD * records.length);
  dset.writeUInt16BE(257, 0);
  dset.writeUInt16BE(dset.length, 2);
  records.forEach((r, k) => {
    let o = 4 + k * V6_RECORD;
    ipv6Bytes(r.src).copy(dset, o);
    ipv6Bytes(r.dst).copy(dset, o + 16);
    o += 32;
    dset.writeUInt16BE(r.srcPort, o);
    dset.writeUInt16BE(r.dstPort, o + 2);
    dset[o + 4] = r.proto;
    dset[o + 5] = r.tcpFlags;
    dset.writeUInt32BE(r.sampledPackets, o + 6);
    dset.writeUInt32BE(r.sampledOctets, o + 10);
    dset.writeUInt16BE(r.inIf, o + 14);
    dset.writeUInt16BE(r.outIf, o + 16);
    dset.writeBigUInt64BE(BigInt(r.start), o + 18);
    dset.writeBigUInt64BE(BigInt(r.end), o + 26);
  });
  return [Buffer.concat([header(16 + tset.length, 0), tset]), Buffer.concat([header(16 + dset.length, 0), dset])];
}

function allFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? allFiles(p) : [p];
  });
}

/** Files under dir containing any form of the address. */
function filesHolding(dir: string, address: string): string[] {
  const forms = addressForms(address);
  return allFiles(dir).filter((f) => {
    const bytes = readFileSync(f);
    return forms.some((form) => bytes.includes(form));
  });
}

test('cyber-office collector: unselected records leave no trace on disk, selected domestic addresses only as pseudonyms', { timeout: 120_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'saki-erasure-data-'));
  const etcDir = mkdtempSync(join(tmpdir(), 'saki-erasure-etc-'));
  const geoDir = mkdtempSync(join(tmpdir(), 'saki-erasure-geo-'));
  try {
    // Addresses come from the geo data itself, through the classifier the collector uses.
    const geo = await loadGeoDatabase(nodeGeoIo(geoDir));
    const classifier = new FlowClassifier(geo.db, createClassificationConfig({ domesticCountries: ['JP'] }));
    const jp = pickAddresses(classifier, 'domestic', 12, 7);
    const foreign = pickAddresses(classifier, 'foreign', 12, 11);
    const jp6 = pickIPv6(classifier, 'domestic', 8, 13);
    const foreign6 = pickIPv6(classifier, 'foreign', 8, 17);

    // A freshly generated commission key signs an approval of the example criteria, valid now.
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(join(etcDir, 'commission.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    const criteria = JSON.parse(readFileSync(CRITERIA_FILE, 'utf8')) as unknown;
    const now = Date.now();
    const body: ApprovalBody = {
      id: 'test-approval-erasure-1',
      channel: 'foreign-domestic',
      scope: { feeds: ['127.0.0.1'] },
      criteriaHash: criteriaHash(criteria),
      validFrom: new Date(now - 3600_000).toISOString(),
      validTo: new Date(now + 3600_000).toISOString(),
      approvers: ['test-member-1'],
    };
    writeFileSync(join(etcDir, 'approval.json'), JSON.stringify({ ...body, signatures: [signApproval(body, privateKey, 'test-key-1')] }));

    // Telnet from abroad to domestic hosts: criterion telnet-scan-from-abroad selects these.
    const selected = [0, 1, 2, 3].map((i) => flow(foreign[i], jp[i], i % 2 ? 2323 : 23, 6, now));
    // Everything else is erased: other ports, UDP, the wrong direction, 内内, 外外, and a
    // documentation-range host (special: direction unknown, never acquirable).
    const unselected = [
      flow(foreign[4], jp[4], 443, 6, now),
      flow(foreign[5], jp[5], 23, 17, now),
      flow(jp[6], foreign[6], 23, 6, now),
      flow(jp[7], jp[8], 23, 6, now),
      flow(foreign[7], foreign[8], 23, 6, now),
      flow('203.0.113.77', jp[9], 23, 6, now),
      flow(jp[10], foreign[9], 22, 6, now),
      flow(foreign[10], jp[11], 80, 6, now),
    ];
    // The same over IPv6 (a second IPFIX template, observation domain 2).
    const selected6 = [0, 1].map((i) => flow(foreign6[i], jp6[i], i % 2 ? 2323 : 23, 6, now));
    const unselected6 = [
      flow(foreign6[2], jp6[2], 443, 6, now),
      flow(jp6[3], foreign6[3], 23, 6, now),
      flow(jp6[4], jp6[5], 23, 6, now),
      flow(foreign6[4], foreign6[5], 23, 6, now),
      flow(foreign6[6], jp6[6], 23, 17, now),
    ];
    const corpus = [...unselected.slice(0, 4), ...selected, ...unselected.slice(4)];
    const corpus6 = [unselected6[0], ...selected6, ...unselected6.slice(1)];
    const selectedDomestic = [...selected, ...selected6].map((r) => r.dst);
    const selectedForeign = [...selected, ...selected6].map((r) => r.src);
    const unselectedAddresses = [...new Set([...unselected, ...unselected6].flatMap((r) => [r.src, r.dst]))];
    const total = corpus.length + corpus6.length;
    for (const a of unselectedAddresses) assert.ok(![...selectedDomestic, ...selectedForeign].includes(a));

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
    const logFile = createWriteStream(join(dataDir, 'sakimori.log'));
    const logger = createLogger('debug', logFile);
    const transparency = openTransparencyLog(dataDir);
    const collector = new Collector(config, logger, { transparency });
    const [listener] = await collector.start();
    try {
      const enc = new IpfixEncoder({ domain: 1, recordsPerMessage: 5 });
      const unix = Math.floor(now / 1000);
      await send(listener.port, [enc.templateMessage(unix), ...enc.dataMessages(corpus, unix), ...ipfixV6Messages(corpus6, unix, 2)]);
      await until(() => collector.status().stored + collector.status().erased >= total);
    } finally {
      await collector.stop();
    }
    const st = collector.status();
    assert.equal(st.totals.records, total);
    assert.equal(st.stored, selected.length + selected6.length);
    assert.equal(st.erased, unselected.length + unselected6.length);
    assert.equal(st.stored + st.erased, st.totals.records);

    // Attestations: counts only, in = selected + erased, per criterion.
    const entries = (await transparency.entries(0, await transparency.size())).map((e) => JSON.parse(e.entry) as Record<string, unknown>);
    const attestations = entries.filter((e) => e.type === 'selection-attestation') as unknown as {
      approvalId: string;
      counts: { in: number; selected: number; erased: number; perCriterion: Record<string, number> };
    }[];
    assert.ok(attestations.length >= 1);
    const sum = (k: 'in' | 'selected' | 'erased') => attestations.reduce((n, a) => n + a.counts[k], 0);
    assert.equal(sum('in'), total);
    assert.equal(sum('selected'), selected.length + selected6.length);
    assert.equal(sum('erased'), unselected.length + unselected6.length);
    assert.equal(attestations.reduce((n, a) => n + (a.counts.perCriterion['telnet-scan-from-abroad'] ?? 0), 0), selected.length + selected6.length);
    assert.ok(attestations.every((a) => a.approvalId === body.id));

    // A purpose-bound read through the API is recorded before data comes back.
    const db = openSqlite(dataDir);
    const app = createApp({
      role: 'cyber-office',
      demo: false,
      status: () => st,
      flows: undefined,
      logger,
      metrics: () => '',
      version: 'test',
      transparency,
      selected: { queries: new SelectedFlowQueries(db.db), transparency },
    });
    const sizeBefore = await transparency.size();
    const res = await app.request('/api/v1/selected?purpose=' + encodeURIComponent('Investigating an IoT botnet recruiting via Telnet') + '&limit=100', {
      headers: { 'x-sakimori-user': 'analyst-1', 'x-sakimori-role': 'cyber-office-analyst' },
    });
    assert.equal(res.status, 200);
    const body2 = (await res.json()) as { records: { criteria: string[]; fields: { src: string; dst: string } }[] };
    assert.equal(body2.records.length, selected.length + selected6.length);
    const pseudonymizer = new Pseudonymizer('p1', readFileSync(join(dataDir, 'pseudonym.key')));
    for (const r of body2.records) {
      assert.deepEqual(r.criteria, ['telnet-scan-from-abroad']);
      assert.ok(selectedForeign.includes(r.fields.src));
      assert.ok(selectedDomestic.map((a) => pseudonymizer.pseudonym(a)).includes(r.fields.dst));
    }
    assert.equal(await transparency.size(), sizeBefore + 1);
    const [access] = await transparency.entries(sizeBefore, sizeBefore + 1);
    const accessEntry = JSON.parse(access.entry) as { type: string; actor: { who: string; role: string }; resultCount: number };
    assert.equal(accessEntry.type, 'selected-data-access');
    assert.equal(accessEntry.actor.who, 'analyst-1');
    assert.equal(accessEntry.resultCount, selected.length + selected6.length);

    const scan = (when: string) => {
      const files = allFiles(dataDir).map((f) => f.slice(dataDir.length + 1));
      assert.ok(files.includes('sakimori.db') && files.includes('sakimori.log') && files.some((f) => f.startsWith('geo-')), `${when}: ${files.join(' ')}`);
      for (const a of unselectedAddresses) assert.deepEqual(filesHolding(dataDir, a), [], `${when}: unselected ${a} found on disk`);
      for (const a of selectedDomestic) assert.deepEqual(filesHolding(dataDir, a), [], `${when}: selected domestic ${a} found in raw form`);
      // The scan works: selected foreign addresses and the pseudonyms are found.
      for (const a of selectedForeign) assert.ok(filesHolding(dataDir, a).length > 0, `${when}: selected foreign ${a} not found`);
      const everything = Buffer.concat(allFiles(dataDir).map((f) => readFileSync(f)));
      for (const a of selectedDomestic) assert.ok(everything.includes(Buffer.from(pseudonymizer.pseudonym(a))), `${when}: pseudonym of a selected domestic address not found`);
    };
    // While the databases are open (WAL and SHM present), then after everything is closed.
    await new Promise<void>((r) => logFile.write('', () => r()));
    scan('open');
    await db.close();
    await transparency.close();
    await new Promise<void>((r) => logFile.end(() => r()));
    scan('closed');
  } finally {
    for (const d of [dataDir, etcDir, geoDir]) rmSync(d, { recursive: true, force: true });
  }
});
