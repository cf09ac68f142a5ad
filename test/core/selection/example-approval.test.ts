import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyApproval } from '../../../src/core/selection/approval.js';
import { compileSelector } from '../../../src/core/selection/selector.js';
import { Pseudonymizer } from '../../../src/core/selection/pseudonym.js';
import { flow } from './fixtures.js';

const DIR = join(resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..'), 'examples/approvals');
const read = (f: string) => readFileSync(join(DIR, f), 'utf8');

test('the documented example approval verifies with the example key and selects', () => {
  const criteria = JSON.parse(read('criteria-c2-example.json')) as unknown;
  const approval = JSON.parse(read('approval-example.json')) as unknown;
  const keys = new Map([['example-commission-key-1', createPublicKey(read('EXAMPLE-ONLY-commission-key-1.public.pem'))]]);
  const r = verifyApproval(approval, criteria, keys, Date.parse('2026-06-01T00:00:00Z'), { minSignatures: 1 });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const sel = compileSelector(criteria, r.approval, { pseudonymizer: new Pseudonymizer('p1', Buffer.alloc(32, 3)) });
  const out = sel.select([flow({ exporter: '127.0.0.1', src: '203.0.113.5', dst: '133.1.2.3', dstPort: 23, proto: 6 })], Date.parse('2026-06-01T00:00:00Z'));
  assert.deepEqual(out.selected[0].criteria, ['c2-known-hosts', 'telnet-scan-from-abroad']);
  assert.match(out.selected[0].fields.dst!, /^p1:/);
});

test('the example agreement names its consenting operator, verifies with the example key, and selects on the agreement channel', () => {
  const criteria = JSON.parse(read('criteria-c2-example.json')) as unknown;
  const approval = JSON.parse(read('approval-agreement-example.json')) as unknown;
  const keys = new Map([['example-commission-key-1', createPublicKey(read('EXAMPLE-ONLY-commission-key-1.public.pem'))]]);
  const r = verifyApproval(approval, criteria, keys, Date.parse('2026-06-01T00:00:00Z'), { minSignatures: 1 });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  assert.equal(r.approval.channel, 'agreement');
  assert.equal(r.approval.scope.operator, 'example-operator');
  const sel = compileSelector(criteria, r.approval, { pseudonymizer: new Pseudonymizer('p1', Buffer.alloc(32, 3)) });
  const out = sel.select([flow({ exporter: '127.0.0.1', src: '203.0.113.5', dst: '133.1.2.3', dstPort: 23, proto: 6 })], Date.parse('2026-06-01T00:00:00Z'));
  assert.deepEqual(out.selected[0].criteria, ['c2-known-hosts', 'telnet-scan-from-abroad']);
});
