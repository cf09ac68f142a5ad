import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyApproval } from '../../src/core/selection/approval.js';
import { REPO_ROOT } from '../helpers/paths.js';

const CLI = join(REPO_ROOT, 'dist/src/cli/main.js');
const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: REPO_ROOT });
const CRITERIA = join(REPO_ROOT, 'examples/approvals/criteria-c2-example.json');
const pub = (file: string) => createPublicKey(readFileSync(file));
const json = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

test('approval keygen + create: a two-key approval verifies; wrong key, altered criteria and altered body are refused with their codes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'saki-approval-'));
  try {
    for (const name of ['member-a', 'member-b', 'stranger']) {
      const r = run(['approval', 'keygen', '--out', join(dir, name)]);
      assert.equal(r.status, 0, r.stderr);
    }
    assert.equal(statSync(join(dir, 'member-a.private.pem')).mode & 0o777, 0o600);
    assert.equal(run(['approval', 'keygen', '--out', join(dir, 'member-a')]).status, 2, 'keygen never overwrites');

    const out = join(dir, 'approval.json');
    const args = [
      'approval', 'create', '--channel', 'foreign-domestic', '--scope', '127.0.0.1', '--scope', '192.0.2.1/5',
      '--criteria', CRITERIA, '--valid-from', '2026-01-01T00:00:00Z', '--valid-to', '2026-07-01T00:00:00Z',
      '--key', join(dir, 'member-a.private.pem'), '--key', join(dir, 'member-b.private.pem'), '--id', 'test-approval-1', '--out', out,
    ];
    const r = run(args);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(run(args).status, 2, 'create never overwrites --out');
    const approval = json(out);
    const criteria = json(CRITERIA);
    assert.deepEqual(approval.approvers, ['member-a', 'member-b']);
    assert.deepEqual((approval.scope as { feeds: string[] }).feeds, ['127.0.0.1', '192.0.2.1/5']);
    const trusted = new Map([
      ['member-a', pub(join(dir, 'member-a.public.pem'))],
      ['member-b', pub(join(dir, 'member-b.public.pem'))],
    ]);
    const at = Date.parse('2026-03-01T00:00:00Z');
    const ok = verifyApproval(approval, criteria, trusted, at, { minSignatures: 2 });
    assert.equal(ok.ok, true, ok.ok ? '' : ok.error.code);

    // The commission trusts another key under member-b's id: the signature is not genuine.
    const wrong = new Map(trusted).set('member-b', pub(join(dir, 'stranger.public.pem')));
    const forged = verifyApproval(approval, criteria, wrong, at, { minSignatures: 2 });
    assert.equal(forged.ok ? 'accepted' : forged.error.code, 'SAKI_ERR_APPROVAL_FORGED');
    const unknown = verifyApproval(approval, criteria, new Map([['member-a', trusted.get('member-a')!]]), at, { minSignatures: 1 });
    assert.equal(unknown.ok ? 'accepted' : unknown.error.code, 'SAKI_ERR_APPROVAL_UNKNOWN_KEY');

    // One character of a description changed after approval.
    const altered = structuredClone(criteria) as { criteria: { description: string }[] };
    altered.criteria[0].description += '.';
    const a1 = verifyApproval(approval, altered, trusted, at, { minSignatures: 2 });
    assert.equal(a1.ok ? 'accepted' : a1.error.code, 'SAKI_ERR_APPROVAL_ALTERED');
    // The validity stretched after signing.
    const a2 = verifyApproval({ ...approval, validTo: '2027-07-01T00:00:00Z' }, criteria, trusted, at, { minSignatures: 2 });
    assert.equal(a2.ok ? 'accepted' : a2.error.code, 'SAKI_ERR_APPROVAL_ALTERED');
    const late = verifyApproval(approval, criteria, trusted, Date.parse('2026-07-01T00:00:00Z'), { minSignatures: 2 });
    assert.equal(late.ok ? 'accepted' : late.error.code, 'SAKI_ERR_APPROVAL_EXPIRED');

    // The CLI checks before writing: invalid criteria give their code and no file.
    const bad = join(dir, 'bad-criteria.json');
    writeFileSync(bad, JSON.stringify({ version: 1, criteria: [{ id: 'all', description: 'x', match: {} }], fields: ['start'], allowDomesticAddresses: false }));
    const badOut = join(dir, 'bad.json');
    const rb = run([...args.slice(0, args.indexOf('--criteria')), '--criteria', bad, '--valid-from', '2026-01-01T00:00:00Z', '--valid-to', '2026-07-01T00:00:00Z', '--key', join(dir, 'member-a.private.pem'), '--out', badOut]);
    assert.equal(rb.status, 1);
    assert.match(rb.stderr, /SAKI_ERR_CRITERIA_INVALID/);
    assert.throws(() => statSync(badOut));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('approval create: an agreement needs --operator and carries it in the signed scope; other channels refuse it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'saki-approval-'));
  try {
    assert.equal(run(['approval', 'keygen', '--out', join(dir, 'member-a')]).status, 0);
    const base = (channel: string, out: string) => [
      'approval', 'create', '--channel', channel, '--scope', '192.0.2.7',
      '--criteria', CRITERIA, '--valid-from', '2026-01-01T00:00:00Z', '--valid-to', '2026-07-01T00:00:00Z',
      '--key', join(dir, 'member-a.private.pem'), '--out', join(dir, out),
    ];
    const missing = run(base('agreement', 'a.json'));
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /SAKI_ERR_CLI_USAGE.*--operator/);
    const extra = run([...base('foreign-foreign', 'b.json'), '--operator', 'operator-a']);
    assert.equal(extra.status, 2);
    const bad = run([...base('agreement', 'c.json'), '--operator', 'not an id']);
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /SAKI_ERR_APPROVAL_ALTERED/);
    const ok = run([...base('agreement', 'd.json'), '--operator', 'operator-a']);
    assert.equal(ok.status, 0, ok.stderr);
    const approval = json(join(dir, 'd.json'));
    assert.deepEqual(approval.scope, { feeds: ['192.0.2.7'], operator: 'operator-a' });
    const v = verifyApproval(approval, json(CRITERIA), new Map([['member-a', pub(join(dir, 'member-a.public.pem'))]]), Date.parse('2026-02-01T00:00:00Z'), { minSignatures: 1 });
    assert.ok(v.ok && v.approval.scope.operator === 'operator-a');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
