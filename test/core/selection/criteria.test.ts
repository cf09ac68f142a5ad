import { test } from 'node:test';
import assert from 'node:assert/strict';
import { criteriaHash, parseCriteriaDocument } from '../../../src/core/selection/criteria.js';
import { SelectionError } from '../../../src/core/selection/selection-error.js';

const good = {
  version: 1,
  criteria: [
    {
      id: 'c2-443',
      description: 'C2 servers',
      match: {
        dstCidrs: ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7'],
        dstPorts: [443],
        protocols: [6],
        timeWindows: [{ from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' }],
        behaviour: { selector: 'beacon', minScore: 0.8 },
      },
    },
  ],
  fields: ['start', 'end', 'src', 'dst', 'dstPort', 'proto'],
  allowDomesticAddresses: false,
};

function refusal(doc: unknown): string {
  try {
    parseCriteriaDocument(doc);
  } catch (e) {
    assert.ok(e instanceof SelectionError);
    assert.equal(e.code, 'SAKI_ERR_CRITERIA_INVALID');
    return e.message;
  }
  assert.fail('document was accepted');
}

const withMatch = (match: unknown) => ({ ...good, criteria: [{ id: 'x', description: '', match }] });

test('a well-formed document is accepted', () => {
  assert.equal(parseCriteriaDocument(good).criteria[0].id, 'c2-443');
});

test('invalid documents are refused with the path of the problem', () => {
  assert.match(refusal({ ...good, version: 2 }), /version/);
  assert.match(refusal(withMatch({ dstCidrs: ['10.0.0.1/8'] })), /criteria\.0\.match\.dstCidrs\.0/);
  assert.match(refusal(withMatch({ dstCidrs: ['10.0.0.0/33'] })), /CIDR/);
  assert.match(refusal(withMatch({ srcCidrs: ['2001:db8::1/32'] })), /CIDR/);
  assert.match(refusal(withMatch({ srcCidrs: ['not-an-address'] })), /CIDR/);
  assert.match(refusal(withMatch({ ports: [65536] })), /ports/);
  assert.match(refusal(withMatch({ countries: ['jp'] })), /alpha-2/);
  assert.match(refusal(withMatch({ directions: ['sideways'] })), /directions/);
  assert.match(refusal(withMatch({ timeWindows: [{ from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }] })), /before/);
  assert.match(refusal(withMatch({})), /at least one condition/);
  assert.match(refusal(withMatch({ dstCidrs: [] })), /dstCidrs/);
  assert.match(refusal(withMatch({ payloadRegex: 'x' })), /payloadRegex|Unrecognized/i);
  assert.match(refusal({ ...good, fields: ['src', 'payload'] }), /fields/);
  assert.match(refusal({ ...good, fields: ['src', 'src'] }), /duplicate field/);
  assert.match(refusal({ ...good, criteria: [good.criteria[0], good.criteria[0]] }), /duplicate criterion id/);
  assert.match(refusal({ ...good, allowDomesticAddresses: undefined }), /allowDomesticAddresses/);
});

test('the criteria hash is independent of key order and sensitive to content', () => {
  const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(good).reverse()))) as unknown;
  assert.equal(criteriaHash(reordered), criteriaHash(good));
  assert.match(criteriaHash(good), /^[0-9a-f]{64}$/);
  assert.notEqual(criteriaHash({ ...good, allowDomesticAddresses: true }), criteriaHash(good));
});
