/**
 * Runtime approval changes (Act Art. 17–18, 32–33): expiry and revocation take effect mid-stream,
 * at the selector's next clock reading; a reloaded set replaces the old one at a batch boundary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load-config.js';
import { createClassificationConfig } from '../../src/core/classify/classification-config.js';
import { FlowClassifier } from '../../src/core/classify/flow-direction.js';
import { emptyFlowRecord, type FlowRecord } from '../../src/core/flow/flow-record.js';
import { Pseudonymizer } from '../../src/core/selection/pseudonym.js';
import { SelectionStage } from '../../src/pipeline/selection-stage.js';
import { approvalState, loadApprovalSet } from '../../src/selection/approval-set.js';
import { syntheticGeo } from '../core/classify/synthetic-geo.js';
import { makeApproval, testKeys, trusted } from '../core/selection/fixtures.js';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const FEED = '127.0.0.1';
const criteria = {
  version: 1,
  criteria: [{ id: 'telnet', description: 'Telnet from abroad', match: { dstPorts: [23], protocols: [6] } }],
  fields: ['start', 'dstPort', 'proto', 'direction'],
  allowDomesticAddresses: false,
};

/** n Telnet flows from the synthetic US range to the synthetic JP range (foreign→domestic). */
function telnet(n: number): FlowRecord[] {
  return Array.from({ length: n }, (_, i) => ({ ...emptyFlowRecord('ipfix', FEED, 0), src: `2.0.0.${1 + (i % 200)}`, dst: `1.0.0.${1 + (i % 200)}`, srcPort: 40000, dstPort: 23, proto: 6, start: T0, end: T0 + 1 }));
}

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'saki-reload-'));
  const keys = testKeys(1);
  const approvalsDir = join(dir, 'approvals');
  const put = (name: string, validTo: string, over: Record<string, unknown> = {}) => {
    writeFileSync(join(approvalsDir, `${name}.criteria.json`), JSON.stringify(criteria));
    writeFileSync(join(approvalsDir, `${name}.approval.json`), JSON.stringify({ ...makeApproval(criteria, keys, { id: name, scope: { feeds: [FEED] }, approvers: ['member-a'], validFrom: '2026-01-01T00:00:00Z', validTo }), ...over }));
  };
  const revocationFile = join(dir, 'revocations.json');
  const revoke = (list: { approvalId: string; revokedAt: string }[]) =>
    writeFileSync(revocationFile, JSON.stringify({ version: 1, revocations: list.map((r) => ({ ...r, revokedBy: 'commission-chair' })) }));
  const settings = parseConfig({ role: 'cyber-office', selection: { approvalsDir, revocationFile } }).selection;
  return { dir, keys, approvalsDir, put, revoke, settings, pseudonymizer: new Pseudonymizer('p1', randomBytes(32)) };
}

test('expiry mid-stream: records after validTo are erased and counted as out of scope, at the next clock reading', () => {
  const s = setup();
  try {
    mkdirSync(s.approvalsDir);
    // validTo falls between the selector's 2nd and 3rd clock readings of a 1024-record batch.
    s.put('a-expiring', new Date(T0 + 2500).toISOString());
    s.revoke([]);
    const set = loadApprovalSet(s.settings, trusted(s.keys), s.pseudonymizer, T0);
    assert.deepEqual(set.refused, []);
    assert.equal(set.entries.length, 1);
    let t = T0 - 1000; // the stage's constructor reads the clock once
    const stored: number[] = [];
    const attestations: { counts: { in: number; selected: number; outOfScope: number } }[] = [];
    const stage = new SelectionStage({
      classifier: new FlowClassifier(syntheticGeo(), createClassificationConfig({ domesticCountries: ['JP'] })),
      selectors: set.entries.map((e) => e.selector),
      sink: { write: (_id, records) => stored.push(records.length) },
      // Every reading advances one second: the selector reads it at records 0, 256, 512, 768.
      clock: () => (t += 1000),
      windowMs: Number.POSITIVE_INFINITY,
      softwareVersion: 'test',
      onAttestation: (a) => attestations.push(a),
    });
    stage.write(telnet(1024));
    assert.equal(stage.selected, 512);
    assert.equal(stage.erased, 512);
    stage.write(telnet(10));
    assert.equal(stage.selected, 512);
    assert.equal(stage.erased, 522);
    stage.close();
    assert.equal(attestations.length, 1);
    assert.deepEqual({ ...attestations[0].counts, perCriterion: undefined, domesticDomestic: undefined, erased: undefined }, { in: 1034, selected: 512, outOfScope: 522, perCriterion: undefined, domesticDomestic: undefined, erased: undefined });
    assert.equal(approvalState(set.entries[0].summary, T0 + 2499), 'valid');
    assert.equal(approvalState(set.entries[0].summary, T0 + 2500), 'expired');
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});

test('revocation: a reloaded list revokes at once or at its time mid-batch; a bad approval leaves the set refused; revocations are final', () => {
  const s = setup();
  try {
    mkdirSync(s.approvalsDir);
    s.put('b-long', '2027-01-01T00:00:00Z');
    s.put('c-other', '2027-01-01T00:00:00Z');
    s.revoke([]);
    const ts = trusted(s.keys);
    let set = loadApprovalSet(s.settings, ts, s.pseudonymizer, T0);
    assert.equal(set.entries.length, 2);
    let t = T0;
    let step = 1000;
    const perApproval = new Map<string, number>();
    const stage = new SelectionStage({
      classifier: new FlowClassifier(syntheticGeo(), createClassificationConfig({ domesticCountries: ['JP'] })),
      selectors: set.entries.map((e) => e.selector),
      sink: { write: (id, records) => perApproval.set(id, (perApproval.get(id) ?? 0) + records.length) },
      clock: () => (t += step),
      windowMs: Number.POSITIVE_INFINITY,
      softwareVersion: 'test',
      onAttestation: () => {},
    });
    stage.write(telnet(100));
    assert.deepEqual([...perApproval], [['b-long', 100], ['c-other', 100]]);
    const digestBefore = set.digest;

    // b-long revoked at once; c-other revoked from a time inside the next 1024-record batch: in it
    // b-long's selector reads the clock at tNext+1000…4000, then c-other's at tNext+5000…8000.
    const tNext = t;
    s.revoke([
      { approvalId: 'b-long', revokedAt: new Date(T0 - 1).toISOString() },
      { approvalId: 'c-other', revokedAt: new Date(tNext + 6500).toISOString() },
    ]);
    set = loadApprovalSet(s.settings, ts, s.pseudonymizer, t, set.revocations);
    assert.notEqual(set.digest, digestBefore);
    assert.equal(set.entries.find((e) => e.summary.id === 'b-long')?.summary.revokedBy, 'commission-chair');
    step = 0;
    stage.replaceSelectors(set.entries.map((e) => e.selector), new FlowClassifier(syntheticGeo(), createClassificationConfig({ domesticCountries: ['JP'] })));
    step = 1000;
    stage.write(telnet(1024));
    assert.equal(perApproval.get('b-long'), 100, 'revoked at once: nothing more');
    assert.equal(perApproval.get('c-other'), 100 + 512, 'revoked mid-batch: records after revokedAt erased');
    assert.equal(stage.in, 1124);
    assert.equal(stage.selected, 100 + 512);
    assert.equal(stage.erased, 512);
    const totals = stage.totals();
    assert.equal(totals.get('b-long')?.outOfScope, 1024);
    assert.equal(totals.get('c-other')?.outOfScope, 512);
    assert.equal(approvalState(set.entries[0].summary, t), 'revoked');

    // The list loses the entry: the revocation stays in force (carried over from the previous set).
    s.revoke([]);
    const again = loadApprovalSet(s.settings, ts, s.pseudonymizer, t, set.revocations);
    assert.ok(again.entries.every((e) => e.selector.validUntilMs <= tNext + 6500));

    // A tampered approval in the directory: refused with its code (the caller keeps the old set).
    writeFileSync(join(s.approvalsDir, 'd-bad.criteria.json'), JSON.stringify({ ...criteria, fields: ['start', 'dstPort', 'proto', 'direction', 'octets'] }));
    writeFileSync(join(s.approvalsDir, 'd-bad.approval.json'), JSON.stringify(makeApproval(criteria, s.keys, { id: 'd-bad', scope: { feeds: [FEED] }, approvers: ['member-a'] })));
    const bad = loadApprovalSet(s.settings, ts, s.pseudonymizer, t);
    assert.deepEqual(bad.refused.map((r) => r.code), ['SAKI_ERR_APPROVAL_ALTERED']);
    // An invalid revocation list is refused as a whole.
    writeFileSync(s.settings.revocationFile!, JSON.stringify({ version: 1, revocations: [{ approvalId: 'b-long' }] }));
    assert.throws(() => loadApprovalSet(s.settings, ts, s.pseudonymizer, t), { code: 'SAKI_ERR_REVOCATION_INVALID' });
  } finally {
    rmSync(s.dir, { recursive: true, force: true });
  }
});
