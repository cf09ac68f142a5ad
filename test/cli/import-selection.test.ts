/**
 * `sakimori import` in the cyber-office role (自動選別, Act Art. 22): the capture goes through
 * classification and approved selection; only selected, minimized records are stored, counts on
 * stderr, one attestation per approval in the transparency log; unselected addresses nowhere in
 * the database files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeGeoIo } from '../../src/classify/node-geo-io.js';
import { createClassificationConfig } from '../../src/core/classify/classification-config.js';
import { FlowClassifier } from '../../src/core/classify/flow-direction.js';
import { loadGeoDatabase } from '../../src/core/classify/geo-loader.js';
import { IpfixEncoder } from '../../src/core/flow/encoders/export-encoder.js';
import { emptyFlowRecord, type FlowRecord } from '../../src/core/flow/flow-record.js';
import { signApproval, type ApprovalBody } from '../../src/core/selection/approval.js';
import { criteriaHash } from '../../src/core/selection/criteria.js';
import { FlowQueries } from '../../src/storage/flow-store.js';
import { SelectedFlowQueries } from '../../src/storage/selected-flow-store.js';
import { openSqlite } from '../../src/storage/sqlite/sqlite-database.js';
import { openTransparencyLog } from '../../src/transparency/open-transparency-log.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { pcapOfDatagrams } from '../helpers/pcap.js';
import { pickAddresses } from '../helpers/geo-pick.js';

const CLI = join(REPO_ROOT, 'dist/src/cli/main.js');
const CRITERIA_FILE = join(REPO_ROOT, 'examples/approvals/criteria-c2-example.json');

test('import in the cyber-office role: only selected, minimized records are stored; counts on stderr; attestation in the log', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'saki-import-sel-'));
  const dataDir = join(dir, 'data');
  try {
    const geo = await loadGeoDatabase(nodeGeoIo(dataDir));
    const classifier = new FlowClassifier(geo.db, createClassificationConfig({ domesticCountries: ['JP'] }));
    const jp = pickAddresses(classifier, 'domestic', 6, 21);
    const foreign = pickAddresses(classifier, 'foreign', 6, 23);

    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(join(dir, 'commission.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    const criteria = JSON.parse(readFileSync(CRITERIA_FILE, 'utf8')) as unknown;
    const now = Date.now();
    const body: ApprovalBody = {
      id: 'import-approval-1',
      channel: 'foreign-domestic',
      scope: { feeds: ['127.0.0.1'] },
      criteriaHash: criteriaHash(criteria),
      validFrom: new Date(now - 3600_000).toISOString(),
      validTo: new Date(now + 3600_000).toISOString(),
      approvers: ['member-a'],
    };
    writeFileSync(join(dir, 'approval.json'), JSON.stringify({ ...body, signatures: [signApproval(body, privateKey, 'key-1')] }));
    const configFile = join(dir, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        role: 'cyber-office',
        dataDir,
        selection: { commissionKeys: [{ keyId: 'key-1', publicKeyFile: join(dir, 'commission.pub.pem') }], approvals: [{ approvalFile: join(dir, 'approval.json'), criteriaFile: CRITERIA_FILE }] },
      }),
    );

    const f = (src: string, dst: string, dstPort: number): FlowRecord => ({ ...emptyFlowRecord('ipfix', '127.0.0.1', 1), src, dst, dstPort, srcPort: 40001, proto: 6, start: now - 1000, end: now, packets: 1, octets: 60, sampledPackets: 1, sampledOctets: 60 });
    const selected = [f(foreign[0], jp[0], 23), f(foreign[1], jp[1], 2323)];
    const unselected = [f(foreign[2], jp[2], 443), f(jp[3], foreign[3], 23), f(jp[4], jp[5], 23), f(foreign[4], foreign[5], 23)];
    const enc = new IpfixEncoder({ domain: 1 });
    const capture = join(dir, 'ipfix.pcap');
    const unix = Math.floor(now / 1000);
    writeFileSync(capture, pcapOfDatagrams([enc.templateMessage(unix), ...enc.dataMessages([...unselected.slice(0, 2), ...selected, ...unselected.slice(2)], unix)]));

    const r = spawnSync(process.execPath, [CLI, 'import', capture, '--config', configFile], { encoding: 'utf8', cwd: REPO_ROOT });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.trim().split('\n').at(-1), 'in=6 selected=2 erased=4');
    assert.match(r.stderr, /"selection":\{"in":6,"selected":2,"erased":4,"attestations":1\}/);

    const db = openSqlite(dataDir);
    assert.equal(await new SelectedFlowQueries(db.db).count(), 2);
    assert.equal(await new FlowQueries(db.db).count(), 0, 'no unselected flow table rows');
    const rows = await new SelectedFlowQueries(db.db).recent(10);
    for (const row of rows) {
      assert.deepEqual(row.criteria, ['telnet-scan-from-abroad']);
      assert.match(String(row.fields.dst), /^p1:[0-9a-f]{16}$/);
      assert.equal('tcpFlags' in row.fields, false);
    }
    await db.close();
    const log = openTransparencyLog(dataDir);
    const entries = (await log.entries(0, await log.size())).map((e) => JSON.parse(e.entry) as Record<string, unknown>);
    await log.close();
    const att = entries.filter((e) => e.type === 'selection-attestation') as unknown as { approvalId: string; sourceId: string; counts: { in: number; selected: number; erased: number } }[];
    assert.equal(att.length, 1);
    assert.deepEqual([att[0].approvalId, att[0].sourceId, att[0].counts.in, att[0].counts.selected, att[0].counts.erased], [body.id, 'sakimori-import', 6, 2, 4]);

    // No unselected address, nor a selected domestic one, in any database file, as text.
    const dbBytes = Buffer.concat(readdirSync(dataDir).filter((n) => n.startsWith('sakimori.db')).map((n) => readFileSync(join(dataDir, n))));
    for (const a of [...new Set(unselected.flatMap((x) => [x.src, x.dst])), jp[0], jp[1]]) assert.ok(!dbBytes.includes(Buffer.from(a)), `${a} stored`);
    assert.ok(dbBytes.includes(Buffer.from(foreign[0])), 'the scan finds a selected foreign address');

    // --json prints the selected records only.
    const j = spawnSync(process.execPath, [CLI, 'import', capture, '--config', configFile, '--json'], { encoding: 'utf8', cwd: REPO_ROOT });
    assert.equal(j.status, 0, j.stderr);
    const lines = j.stdout.trim().split('\n').map((l) => JSON.parse(l) as { approvalId: string; src: string });
    assert.deepEqual(lines.map((l) => [l.approvalId, l.src]), [[body.id, foreign[0]], [body.id, foreign[1]]]);
    for (const a of [...unselected.flatMap((x) => [x.src, x.dst]), jp[0]]) assert.ok(!j.stdout.includes(a));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
