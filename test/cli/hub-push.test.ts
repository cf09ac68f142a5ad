/**
 * `sakimori hub keygen` and `sakimori hub push` against a real hub: `sakimori serve --hub` on
 * 127.0.0.1 with the carrier's public key configured.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Detection } from '../../src/core/detect/detection.js';
import { DetectionStore } from '../../src/storage/detection-store.js';
import { openSqlite } from '../../src/storage/sqlite/sqlite-database.js';
import { freePort, sleep } from '../helpers/browser-harness.js';
import { REPO_ROOT } from '../helpers/paths.js';

const CLI = join(REPO_ROOT, 'dist/src/cli/main.js');
const cli = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });

function det(ip: string, over: Partial<Detection> = {}): Detection {
  const now = Date.now();
  return {
    kind: 'c2', ip, port: 443, proto: 6, score: 0.7, detectors: ['beacon'], country: 'US', as: 64500, firstSeen: now - 7200_000, lastSeen: now - 600_000,
    expiresAt: now + 3600_000, evidence: { flows: 5, peers: 2, scores: { beacon: 0.7 } }, ...over,
  };
}

describe('sakimori hub keygen / push against a hub on 127.0.0.1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'saki-hub-cli-'));
  const carrierKey = join(dir, 'carrier.key');
  const otherKey = join(dir, 'other.key');
  const carrierData = join(dir, 'carrier-data');
  let hub: ChildProcess | undefined;
  let hubUrl = '';
  let log = '';

  before(async () => {
    const k = cli(['hub', 'keygen', '--out', carrierKey]);
    assert.equal(k.status, 0, k.stderr);
    assert.match(k.stdout, /BEGIN PUBLIC KEY/);
    assert.equal(cli(['hub', 'keygen', '--out', otherKey]).status, 0);
    const db = openSqlite(carrierData);
    await new DetectionStore(db.db).upsert(
      [det('192.0.2.1'), det('192.0.2.2', { score: 0.3 }), det('2001:db8::7', { port: 8080 }), det('192.0.2.3', { expiresAt: Date.now() - 1000 }), det('198.51.100.5', { kind: 'bot', port: 0 })],
      Date.now(),
    );
    await db.close();
    const config = join(dir, 'hub.json');
    writeFileSync(config, JSON.stringify({ hub: { enabled: true, hubId: 'test-hub', carriers: [{ carrierId: 'carrier-x', publicKeyFile: `${carrierKey}.pub` }] }, log: { level: 'warn' } }));
    const port = await freePort();
    hubUrl = `http://127.0.0.1:${port}`;
    hub = spawn(process.execPath, [CLI, 'serve', '--config', config, '--data-dir', join(dir, 'hub-data'), '--http-port', String(port), '--netflow-port', '0', '--sflow-port', '0'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    hub.stderr?.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
    hub.stdout?.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
    const deadline = Date.now() + 30_000;
    for (;;) {
      assert.equal(hub.exitCode, null, log);
      try {
        if ((await fetch(`${hubUrl}/healthz`)).ok) break;
      } catch {
        // not yet listening
      }
      assert.ok(Date.now() < deadline, `hub did not start: ${log}`);
      await sleep(200);
    }
  });

  after(async () => {
    if (hub && hub.exitCode === null) {
      const exited = new Promise((r) => hub!.once('exit', r));
      hub.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const entries = async () => ((await (await fetch(`${hubUrl}/api/v1/hub/entries`, { headers: { connection: 'close' } })).json()) as { entries: { ip: string; port: number; score: number; carriers: { carrierId: string }[] }[] }).entries;

  test('keygen writes a 0600 private key and refuses to overwrite it', () => {
    assert.equal(statSync(carrierKey).mode & 0o777, 0o600);
    const again = cli(['hub', 'keygen', '--out', carrierKey]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /SAKI_ERR_HUB_KEY_UNUSABLE/);
  });

  test('push signs the current c2 detections and the hub accepts them', async () => {
    const r = cli(['hub', 'push', '--data-dir', carrierData, '--hub', hubUrl, '--key', carrierKey, '--carrier-id', 'carrier-x', '--min-score', '0.5']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { entries: number }).entries, 2);
    const got = await entries();
    assert.deepEqual(got.map((e) => `${e.ip}:${e.port}`).sort(), ['192.0.2.1:443', '2001:db8::7:8080']);
    assert.deepEqual(got[0].carriers.map((c) => c.carrierId), ['carrier-x']);
  });

  test('a push signed with another key, or as an unknown carrier, is refused and changes nothing', async () => {
    const before = await entries();
    const forged = cli(['hub', 'push', '--data-dir', carrierData, '--hub', hubUrl, '--key', otherKey, '--carrier-id', 'carrier-x', '--min-score', '0']);
    assert.equal(forged.status, 1);
    assert.match(forged.stderr, /SAKI_ERR_HUB_PUSH_FAILED: .*422 SAKI_ERR_HUB_SIGNATURE_INVALID/);
    const unknown = cli(['hub', 'push', '--data-dir', carrierData, '--hub', hubUrl, '--key', carrierKey, '--carrier-id', 'carrier-y']);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /403 SAKI_ERR_HUB_UNKNOWN_CARRIER/);
    // The score decays with the hub's clock; everything stored is unchanged.
    const strip = (es: Awaited<ReturnType<typeof entries>>) => es.map(({ score: _s, ...rest }) => rest);
    assert.deepEqual(strip(await entries()), strip(before));
  });

  test('push to an address where no hub listens fails with a code', async () => {
    const port = await freePort();
    const r = cli(['hub', 'push', '--data-dir', carrierData, '--hub', `http://127.0.0.1:${port}`, '--key', carrierKey, '--carrier-id', 'carrier-x']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /SAKI_ERR_HUB_PUSH_FAILED/);
    const usage = cli(['hub', 'push', '--data-dir', carrierData]);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /SAKI_ERR_CLI_USAGE/);
  });
});
