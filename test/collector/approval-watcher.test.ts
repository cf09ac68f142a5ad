import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { watchApprovalFiles } from '../../src/selection/approval-watcher.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await sleep(20);
  }
}

for (const mode of ['watch', 'poll'] as const) {
  test(`approval watcher (${mode}): a burst of changes is one reload; an atomically replaced file is seen; stop ends it`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saki-watch-'));
    const approvals = join(dir, 'approvals');
    mkdirSync(approvals);
    const revocations = join(dir, 'revocations.json');
    writeFileSync(revocations, '{}');
    let calls = 0;
    const fallbacks: string[] = [];
    const stop = watchApprovalFiles({ dirs: [approvals], files: [revocations] }, () => calls++, { debounceMs: 100, pollMs: 50, mode, onFallback: (p) => fallbacks.push(p) });
    try {
      await sleep(150);
      for (let i = 0; i < 5; i++) writeFileSync(join(approvals, `a${i}.approval.json`), '{}');
      await until(() => calls >= 1);
      await sleep(300);
      assert.equal(calls, 1, 'debounced into one reload');
      // Editors and mv replace the file (new inode): still seen through its directory (or its stat).
      writeFileSync(join(dir, 'revocations.tmp'), '{"version":1,"revocations":[]}');
      renameSync(join(dir, 'revocations.tmp'), revocations);
      await until(() => calls >= 2);
      // Unrelated files beside a watched file do not reload.
      const before = calls;
      writeFileSync(join(dir, 'unrelated.txt'), 'x');
      await sleep(300);
      if (mode === 'watch') assert.equal(calls, before);
      assert.equal(fallbacks.length, mode === 'poll' ? 2 : 0);
    } finally {
      stop();
    }
    const after = calls;
    writeFileSync(join(approvals, 'late.approval.json'), '{}');
    await sleep(300);
    assert.equal(calls, after, 'no reload after stop');
    rmSync(dir, { recursive: true, force: true });
  });
}
