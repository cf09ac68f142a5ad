import { test } from 'node:test';
import assert from 'node:assert/strict';
import { signApproval, verifyApproval, type VerifyResult } from '../../../src/core/selection/approval.js';
import { approvalBody, makeApproval, testKeys, trusted, T0 } from './fixtures.js';

const criteria = {
  version: 1,
  criteria: [{ id: 'c2', description: 'known C2 range', match: { dstCidrs: ['203.0.113.0/24'], dstPorts: [443] } }],
  fields: ['start', 'src', 'dst', 'dstPort'],
  allowDomesticAddresses: false,
};
const keys = testKeys(3);
const NOW = T0 + 86_400_000;

function code(r: VerifyResult): string {
  return r.ok ? 'ok' : r.error.code;
}

test('a correctly signed approval verifies and is frozen', () => {
  const a = makeApproval(criteria, keys.slice(0, 2));
  const r = verifyApproval(a, criteria, trusted(keys), NOW, { minSignatures: 2 });
  assert.equal(code(r), 'ok');
  assert.ok(r.ok && Object.isFrozen(r.approval) && Object.isFrozen(r.approval.scope.feeds));
});

test('key order in the JSON does not matter (canonical body)', () => {
  const a = makeApproval(criteria, keys.slice(0, 2));
  const shuffled = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(a).reverse()))) as unknown;
  const crit = { allowDomesticAddresses: false, fields: criteria.fields, criteria: criteria.criteria, version: 1 };
  assert.equal(code(verifyApproval(shuffled, crit, trusted(keys), NOW, { minSignatures: 2 })), 'ok');
});

test('a body changed after signing is refused as altered', () => {
  const a = makeApproval(criteria, keys.slice(0, 2));
  const changed = { ...a, validTo: '2099-01-01T00:00:00Z' };
  assert.equal(code(verifyApproval(changed, criteria, trusted(keys), NOW, { minSignatures: 2 })), 'SAKI_ERR_APPROVAL_ALTERED');
  const widened = { ...a, scope: { feeds: ['192.0.2.1', '198.51.100.7'] } };
  assert.equal(code(verifyApproval(widened, criteria, trusted(keys), NOW, { minSignatures: 2 })), 'SAKI_ERR_APPROVAL_ALTERED');
});

test('a signature that is not genuine is refused as forged', () => {
  const a = makeApproval(criteria, keys.slice(0, 2));
  const body = approvalBody(criteria);
  // Signed by key 3's private half but labelled as key 2.
  const fake = { ...signApproval(body, keys[2].privateKey, keys[1].keyId) };
  const forged = { ...a, signatures: [a.signatures[0], fake] };
  assert.equal(code(verifyApproval(forged, criteria, trusted(keys), NOW, { minSignatures: 2 })), 'SAKI_ERR_APPROVAL_FORGED');
  const garbage = { ...a, signatures: [a.signatures[0], { keyId: keys[1].keyId, signature: Buffer.alloc(64, 7).toString('base64') }] };
  assert.equal(code(verifyApproval(garbage, criteria, trusted(keys), NOW, { minSignatures: 2 })), 'SAKI_ERR_APPROVAL_FORGED');
  // A changed body whose hint was also updated is a forgery, not an accident.
  const changed = { ...a, validTo: '2099-01-01T00:00:00Z' };
  const hinted = { ...changed, signatures: a.signatures.map((s) => ({ keyId: s.keyId, signature: s.signature })) };
  assert.equal(code(verifyApproval(hinted, criteria, trusted(keys), NOW, { minSignatures: 2 })), 'SAKI_ERR_APPROVAL_FORGED');
});

test('criteria that differ from the approved hash are refused as altered', () => {
  const a = makeApproval(criteria, keys.slice(0, 2));
  const other = { ...criteria, allowDomesticAddresses: true };
  assert.equal(code(verifyApproval(a, other, trusted(keys), NOW, { minSignatures: 2 })), 'SAKI_ERR_APPROVAL_ALTERED');
});

test('invalid criteria are refused with CRITERIA_INVALID', () => {
  const bad = { ...criteria, version: 2 };
  const a = makeApproval(bad, keys.slice(0, 2));
  assert.equal(code(verifyApproval(a, bad, trusted(keys), NOW, { minSignatures: 2 })), 'SAKI_ERR_CRITERIA_INVALID');
});

test('malformed approvals are refused as altered', () => {
  const a = makeApproval(criteria, keys.slice(0, 2));
  assert.equal(code(verifyApproval({ ...a, channel: 'domestic-domestic' }, criteria, trusted(keys), NOW, { minSignatures: 1 })), 'SAKI_ERR_APPROVAL_ALTERED');
  assert.equal(code(verifyApproval({ ...a, signatures: [] }, criteria, trusted(keys), NOW, { minSignatures: 1 })), 'SAKI_ERR_APPROVAL_ALTERED');
  assert.equal(code(verifyApproval({ ...a, extra: 1 }, criteria, trusted(keys), NOW, { minSignatures: 1 })), 'SAKI_ERR_APPROVAL_ALTERED');
  assert.equal(code(verifyApproval(null, criteria, trusted(keys), NOW, { minSignatures: 1 })), 'SAKI_ERR_APPROVAL_ALTERED');
});

test('expired and not-yet-valid approvals are refused', () => {
  const a = makeApproval(criteria, keys.slice(0, 2));
  const t = trusted(keys);
  assert.equal(code(verifyApproval(a, criteria, t, Date.parse('2026-12-31T00:00:00Z'), { minSignatures: 2 })), 'SAKI_ERR_APPROVAL_EXPIRED');
  assert.equal(code(verifyApproval(a, criteria, t, Date.parse('2025-12-31T23:59:59Z'), { minSignatures: 2 })), 'SAKI_ERR_APPROVAL_EXPIRED');
  assert.equal(code(verifyApproval(a, criteria, t, new Date('2026-01-01T00:00:00Z'), { minSignatures: 2 })), 'ok');
});

test('a signature by an untrusted key is refused', () => {
  const a = makeApproval(criteria, keys);
  assert.equal(code(verifyApproval(a, criteria, trusted(keys.slice(0, 2)), NOW, { minSignatures: 2 })), 'SAKI_ERR_APPROVAL_UNKNOWN_KEY');
});

test('too few distinct keys or approvers is refused', () => {
  const t = trusted(keys);
  const one = makeApproval(criteria, keys.slice(0, 1));
  assert.equal(code(verifyApproval(one, criteria, t, NOW, { minSignatures: 2 })), 'SAKI_ERR_APPROVAL_QUORUM');
  const dup = { ...one, signatures: [one.signatures[0], one.signatures[0]] };
  assert.equal(code(verifyApproval(dup, criteria, t, NOW, { minSignatures: 2 })), 'SAKI_ERR_APPROVAL_QUORUM');
  const sameMember = makeApproval(criteria, keys.slice(0, 2), { approvers: ['member-a', 'member-a'] });
  assert.equal(code(verifyApproval(sameMember, criteria, t, NOW, { minSignatures: 2 })), 'SAKI_ERR_APPROVAL_QUORUM');
  assert.equal(code(verifyApproval(one, criteria, t, NOW, { minSignatures: 1 })), 'ok');
});

test('refusals carry a coded SelectionError without key material', () => {
  const a = makeApproval(criteria, keys.slice(0, 1));
  const r = verifyApproval(a, criteria, trusted(keys), NOW, { minSignatures: 3 });
  assert.ok(!r.ok);
  assert.equal(r.error.name, 'SelectionError');
  assert.equal(r.error.status, 422);
  assert.doesNotMatch(JSON.stringify(r.error), /PRIVATE|BEGIN/);
});

test('an agreement names its consenting operator, signed with the scope; no other channel names one', () => {
  const a = makeApproval(criteria, keys.slice(0, 2), { channel: 'agreement', scope: { feeds: ['192.0.2.1'], operator: 'operator-a' } });
  const r = verifyApproval(a, criteria, trusted(keys), NOW, { minSignatures: 2 });
  assert.equal(code(r), 'ok');
  assert.ok(r.ok && r.approval.scope.operator === 'operator-a');
  // Another operator put in after signing: the scope is signed.
  const moved = { ...a, scope: { ...a.scope, operator: 'operator-b' } };
  assert.equal(code(verifyApproval(moved, criteria, trusted(keys), NOW, { minSignatures: 2 })), 'SAKI_ERR_APPROVAL_ALTERED');
  // Refused by the schema, whoever signed: an agreement without an operator, another channel with one, a malformed id.
  const refusedWith = (over: Parameters<typeof makeApproval>[2], message: RegExp) => {
    const bad = makeApproval(criteria, keys.slice(0, 2), over);
    const v = verifyApproval(bad, criteria, trusted(keys), NOW, { minSignatures: 2 });
    assert.equal(code(v), 'SAKI_ERR_APPROVAL_ALTERED');
    const issues = (!v.ok && (v.error.details as { issues: { path: string; message: string }[] }).issues) || [];
    assert.ok(issues.some((i) => i.path === 'scope.operator' && message.test(i.message)), JSON.stringify(issues));
  };
  refusedWith({ channel: 'agreement', scope: { feeds: ['192.0.2.1'] } }, /names the consenting operator/);
  refusedWith({ channel: 'foreign-domestic', scope: { feeds: ['192.0.2.1'], operator: 'operator-a' } }, /only an agreement/);
  refusedWith({ channel: 'agreement', scope: { feeds: ['192.0.2.1'], operator: 'operator a\n' } }, /organisation id/);
});
