import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CATALOGUE, SakimoriError } from '../../src/core/errors.js';
import { REPO_ROOT } from '../helpers/paths.js';

test('every error code is documented in docs/reference/errors.md with its HTTP status', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs/reference/errors.md'), 'utf8');
  for (const [code, { status }] of Object.entries(ERROR_CATALOGUE)) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
    assert.ok(row, `${code} is not documented`);
    assert.match(row, new RegExp(`\\| ${status} \\|`), `${code} documented with the wrong status`);
  }
});

test('no undocumented code appears in the doc table that the catalogue lacks', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs/reference/errors.md'), 'utf8');
  const documented = [...doc.matchAll(/^\| `(SAKI_ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]);
  for (const c of documented) assert.ok(c in ERROR_CATALOGUE, `${c} documented but not in the catalogue`);
});

test('SakimoriError carries code, status, cause and a JSON form without the cause', () => {
  const cause = new Error('secret detail');
  const e = new SakimoriError('SAKI_ERR_STORAGE', 'cannot open', { cause });
  assert.equal(e.code, 'SAKI_ERR_STORAGE');
  assert.equal(e.status, 500);
  assert.equal(e.cause, cause);
  assert.deepEqual(Object.keys(e.toJSON()), ['code', 'message']);
  assert.ok(!JSON.stringify(e.toJSON()).includes('secret detail'));
});

