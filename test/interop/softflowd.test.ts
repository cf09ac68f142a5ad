import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Collector } from '../../src/collector/collector.js';
import { parseConfig } from '../../src/config/load-config.js';
import { pcapBuffer, type SyntheticPacket } from '../../src/core/capture/pcap-writer.js';
import { prng } from '../../src/demo/synthetic-flows.js';
import { createLogger } from '../../src/observability/logger.js';
import { FlowQueries } from '../../src/storage/flow-store.js';
import { openSqlite } from '../../src/storage/sqlite/sqlite-database.js';

/**
 * Interop with a real exporter: softflowd (Debian package) reads a pcap of generated traffic and
 * exports it as NetFlow v5, v9 and IPFIX to the collector on loopback. softflowd's own statistics
 * say how many records it sent; every one must be received and decoded, with the exact 5-tuple,
 * packet and octet counts of the generated flows, and times inside the capture's span.
 */
interface Truth {
  key: string;
  packets: number;
  octets: number;
}

function traffic(flows: number, seed: number): { packets: SyntheticPacket[]; truth: Map<string, Truth>; t0: number; t1: number } {
  const rnd = prng(seed);
  const t0 = Date.UTC(2026, 10, 20, 12, 0, 0);
  const packets: SyntheticPacket[] = [];
  const truth = new Map<string, Truth>();
  for (let i = 0; i < flows; i++) {
    const proto = rnd() < 0.5 ? 6 : 17;
    const src = `10.${1 + (i >> 8)}.${i & 255}.${1 + Math.floor(rnd() * 250)}`;
    const dst = `203.0.113.${1 + Math.floor(rnd() * 250)}`;
    const srcPort = 1024 + i;
    const dstPort = [53, 123, 443, 8443][Math.floor(rnd() * 4)];
    const n = 1 + Math.floor(rnd() * 6);
    let octets = 0;
    for (let k = 0; k < n; k++) {
      const ipLength = 60 + Math.floor(rnd() * 1200);
      octets += ipLength;
      packets.push({ time: t0 + Math.floor(rnd() * 20_000), src, dst, proto: proto as 6 | 17, srcPort, dstPort, ipLength, tcpFlags: 0x18 });
    }
    truth.set(`${src} ${dst} ${srcPort} ${dstPort} ${proto}`, { key: `${src} ${dst} ${srcPort} ${dstPort} ${proto}`, packets: n, octets });
  }
  packets.sort((a, b) => a.time - b.time);
  return { packets, truth, t0, t1: t0 + 20_000 };
}

/**
 * Runs softflowd in pcap-reading mode and returns its output. softflowd 1.1.0 in -r mode tests the
 * control socket's poll result without polling (uninitialised memory), so depending on the stack it
 * blocks in accept() on its control socket between packets. A nudger keeps connecting and asking for
 * harmless "statistics" until softflowd exits at pcap EOF.
 */
async function runSoftflowd(args: string[]): Promise<string> {
  const ctlDir = mkdtempSync(join(tmpdir(), 'sf'));
  const ctl = join(ctlDir, 'ctl');
  const child = spawn('softflowd', [...args, '-c', ctl, '-p', join(ctlDir, 'pid')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += String(d)));
  child.stderr.on('data', (d) => (output += String(d)));
  let exited = false;
  const exit = new Promise<number | null>((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`softflowd could not run (is it installed?): ${e.message}`)));
    child.once('exit', (code) => {
      exited = true;
      resolve(code);
    });
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const nudge = async () => {
    while (!exited) {
      await new Promise<void>((resolve) => {
        const c = connect(ctl);
        c.on('connect', () => c.end('statistics\n'));
        c.on('data', () => {});
        c.on('close', () => resolve());
        c.on('error', () => setTimeout(resolve, 5));
      });
    }
  };
  await Promise.all([exit, nudge()]);
  clearTimeout(killer);
  rmSync(ctlDir, { recursive: true, force: true });
  return output;
}

const quiet = () => createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));

for (const version of ['5', '9', '10'] as const) {
  test(`softflowd -v ${version} → collector: every exported record received and decoded exactly`, async () => {
    const dir = mkdtempSync(join(tmpdir(), `saki-softflowd-${version}-`));
    const { packets, truth, t0, t1 } = traffic(400, Number(version));
    const pcap = join(dir, 'traffic.pcap');
    writeFileSync(pcap, pcapBuffer(packets));
    const config = parseConfig({ dataDir: dir, collector: { listeners: [{ protocol: 'netflow', address: '127.0.0.1', port: 0 }] } });
    const collector = new Collector(config, quiet());
    const [listener] = await collector.start();
    let exported: number;
    try {
      const output = await runSoftflowd(['-r', pcap, '-a', '-n', `127.0.0.1:${listener.port}`, '-v', version, '-d']);
      const m = /Flows exported: (\d+) \((\d+) records\) in (\d+) packets \((\d+) failures\)/.exec(output);
      assert.ok(m, `softflowd printed no statistics:\n${output}`);
      exported = Number(m[2]);
      assert.equal(Number(m[4]), 0, 'softflowd reported send failures');
      assert.equal(exported, truth.size);
      const t = Date.now();
      while (collector.status().stored < exported && Date.now() - t < 10_000) await new Promise((res) => setTimeout(res, 50));
      const st = collector.status();
      assert.equal(st.totals.records, exported, 'records decoded ≠ records softflowd exported');
      assert.equal(st.totals.malformed, 0);
      assert.equal(st.totals.unknownTemplateExpired, 0);
    } finally {
      await collector.stop();
    }
    const db = openSqlite(dir);
    const rows = await new FlowQueries(db.db).recent(10_000);
    await db.close();
    assert.equal(rows.length, exported);
    const seen = new Set<string>();
    for (const r of rows) {
      const key = `${r.src} ${r.dst} ${r.srcPort} ${r.dstPort} ${r.proto}`;
      const want = truth.get(key);
      assert.ok(want, `decoded a flow that was never generated: ${key}`);
      assert.ok(!seen.has(key), `duplicate record ${key}`);
      seen.add(key);
      assert.equal(r.packets, want.packets, `${key} packets`);
      assert.equal(r.octets, want.octets, `${key} octets`);
      assert.equal(r.source, version === '5' ? 'netflow-v5' : version === '9' ? 'netflow-v9' : 'ipfix');
      // With -a softflowd keeps pcap time (for IPFIX via systemInitTimeMilliseconds in options data + uptime fields); allow 1 s export-time resolution.
      assert.ok(r.start >= t0 - 1000 && r.end <= t1 + 1000 && r.start <= r.end, `${key} times ${r.start}..${r.end} outside ${t0}..${t1}`);
    }
    assert.equal(seen.size, truth.size);
  });
}
