/**
 * Runs softflowd (Debian package, a real flow exporter) over a packet pcap and captures the IPFIX
 * it exports on a loopback UDP socket into a pcap of export datagrams. The generated traffic thus
 * goes through the same path as a router's exports: packets → exporter → datagrams → decoder.
 *
 * softflowd 1.1.0 in -r mode tests its control socket's poll result without polling (uninitialised
 * memory), so it may block in accept() on the control socket between packets; a nudger keeps
 * connecting and asking for harmless "statistics" until it exits at pcap EOF. -a keeps pcap time.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datagramRecord, pcapGlobalHeader } from '../core/capture/pcap-writer.js';

export interface SoftflowdExport {
  /** pcap of the captured export datagrams (timestamps = the IPFIX export time). */
  pcap: Buffer;
  datagrams: number;
  /** softflowd's own count of exported flow records ("Flows exported: N (M records)"), M. */
  exportedRecords: number;
  exportedPackets: number;
  failures: number;
  output: string;
}

export async function softflowdExport(packetPcapPath: string, options: { version?: 9 | 10; timeoutMs?: number; maxFlows?: number } = {}): Promise<SoftflowdExport> {
  const version = options.version ?? 10;
  const sock = createSocket('udp4');
  const received: { payload: Buffer; port: number }[] = [];
  sock.on('message', (msg, rinfo) => received.push({ payload: Buffer.from(msg), port: rinfo.port }));
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, '127.0.0.1', () => resolve());
  });
  try {
    sock.setRecvBufferSize(32 * 1024 * 1024);
  } catch {
    // A smaller buffer only risks drops, which the record count comparison reveals.
  }
  const port = sock.address().port;
  const ctlDir = mkdtempSync(join(tmpdir(), 'saki-sf-'));
  const ctl = join(ctlDir, 'ctl');
  const args = ['-r', packetPcapPath, '-a', '-n', `127.0.0.1:${port}`, '-v', String(version), '-d', '-m', String(options.maxFlows ?? 1_000_000), '-c', ctl, '-p', join(ctlDir, 'pid')];
  const child = spawn('softflowd', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += String(d)));
  child.stderr.on('data', (d) => (output += String(d)));
  let exited = false;
  const exit = new Promise<number | null>((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`softflowd could not run (apt-get install softflowd): ${e.message}`)));
    child.once('exit', (code) => {
      exited = true;
      resolve(code);
    });
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
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
  try {
    await Promise.all([exit, nudge()]);
  } finally {
    clearTimeout(killer);
    rmSync(ctlDir, { recursive: true, force: true });
  }
  const m = /Flows exported: (\d+) \((\d+) records\) in (\d+) packets \((\d+) failures\)/.exec(output);
  if (!m) {
    sock.close();
    throw new Error(`softflowd printed no statistics:\n${output.slice(0, 2000)}`);
  }
  const exportedPackets = Number(m[3]);
  // The last datagrams may still be in the socket buffer when softflowd exits.
  const t = Date.now();
  while (received.length < exportedPackets && Date.now() - t < 5000) await new Promise((r) => setTimeout(r, 20));
  sock.close();
  const parts = [pcapGlobalHeader()];
  for (const d of received) {
    // IPFIX export time (RFC 7011 §3.1) or NetFlow v9 unix_secs as the capture time: deterministic.
    const sec = d.payload.length >= 12 ? d.payload.readUInt32BE(version === 10 ? 4 : 8) : 0;
    parts.push(datagramRecord({ time: sec * 1000, src: '127.0.0.1', srcPort: d.port, dst: '127.0.0.1', dstPort: 4739, payload: d.payload }));
  }
  return { pcap: Buffer.concat(parts), datagrams: received.length, exportedRecords: Number(m[2]), exportedPackets, failures: Number(m[4]), output };
}
