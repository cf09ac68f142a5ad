import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changedPaths, configChange, configDigest } from '../../src/core/transparency/config-change.js';
import { openTransparencyLog } from '../../src/transparency/open-transparency-log.js';
import { freePort, sleep } from '../helpers/browser-harness.js';
import { REPO_ROOT } from '../helpers/paths.js';

test('changedPaths names the dotted paths that differ; arrays compare whole', () => {
  const a = { role: 'carrier', http: { host: '127.0.0.1', port: 8080 }, collector: { listeners: [{ port: 2055 }], storeFlows: true } };
  const b = { role: 'carrier', http: { host: '127.0.0.1', port: 9090 }, collector: { listeners: [{ port: 2056 }], storeFlows: true }, extra: 1 };
  assert.deepEqual(changedPaths(a, b), ['collector.listeners', 'extra', 'http.port']);
  assert.deepEqual(changedPaths(a, structuredClone(a)), []);
});

test('configChange: first start lists the top-level keys; no change → nothing; digest is of the new config', () => {
  const c = { role: 'carrier', dataDir: './data' };
  assert.deepEqual(configChange(undefined, c), { changedPaths: ['dataDir', 'role'], configDigest: configDigest(c) });
  assert.equal(configChange(c, { ...c }), undefined);
  const d = { role: 'cyber-office', dataDir: './data' };
  assert.deepEqual(configChange(c, d)?.changedPaths, ['role']);
  assert.notEqual(configDigest(c), configDigest(d));
});

async function serveOnce(dataDir: string, port: number, extra: string[]): Promise<void> {
  const proc = spawn(process.execPath, [join(REPO_ROOT, 'dist/src/cli/main.js'), 'serve', '--http-port', String(port), '--netflow-port', '0', '--sflow-port', '0', '--data-dir', dataDir, ...extra], { stdio: 'ignore' });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error('serve did not start');
    await sleep(200);
  }
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
}

test('serve appends a config-change entry when, and only when, the effective configuration changed', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'saki-config-log-'));
  // The HTTP port is part of the configuration: keep it the same across the three starts.
  const port = await freePort();
  await serveOnce(dataDir, port, []);
  await serveOnce(dataDir, port, []);
  await serveOnce(dataDir, port, ['--role', 'cyber-office']);
  const log = openTransparencyLog(dataDir);
  const entries = (await log.entries(0, await log.size())).map((e) => JSON.parse(e.entry) as { type: string; changedPaths?: string[] });
  await log.close();
  const changes = entries.filter((e) => e.type === 'config-change');
  assert.equal(changes.length, 2, JSON.stringify(entries.map((e) => e.type)));
  assert.ok(changes[0].changedPaths!.includes('role'));
  assert.deepEqual(changes[1].changedPaths, ['role']);
});
