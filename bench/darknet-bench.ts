/**
 * npm run bench:darknet
 * Darknet and DDoS detectors (src/core/darknet, src/core/ddos), one core, no classifier (fixed
 * country/AS, so only the detectors are measured):
 * 1. Packet path: pcap frames → parseDarknetFrame → one-packet flow → DarknetObservatory, packets/s;
 *    capture time runs at 20 000 packets/s (NICTER's 2023 average) and the observatory advances every 10 s of it.
 * 2. Scanner state at BENCH_SOURCES distinct scanning sources (each probing 40 addresses): entries, approxBytes, heap.
 * 3. DDoS volume detector: flows/s over BENCH_FLOWS flows to 10 000 asset addresses, one advance per 1 000 flows.
 * Options (env): BENCH_PACKETS=500000 BENCH_SOURCES=100000 BENCH_FLOWS=1000000
 */
import { readCaptureFrames, type CaptureStats } from '../src/core/capture/capture-reader.js';
import { pcapBuffer, type SyntheticPacket } from '../src/core/capture/pcap-writer.js';
import { DarknetObservatory } from '../src/core/darknet/darknet-observatory.js';
import { packetFlowRecord, parseDarknetFrame } from '../src/core/darknet/darknet-packet.js';
import { DarknetPrefixes } from '../src/core/darknet/darknet-prefixes.js';
import { DdosVolumeDetector } from '../src/core/ddos/ddos-volume-detector.js';
import type { DetectionFlow } from '../src/core/detect/detection.js';
import { emptyFlowRecord } from '../src/core/flow/flow-record.js';
import { formatIPv4Number } from '../src/core/flow/ip-address.js';
import { prng } from '../src/demo/synthetic-flows.js';

const PACKETS = Number(process.env.BENCH_PACKETS ?? 500_000);
const SOURCES = Number(process.env.BENCH_SOURCES ?? 100_000);
const FLOWS = Number(process.env.BENCH_FLOWS ?? 1_000_000);
const T0 = Date.UTC(2026, 10, 20);
const DARK = 198 * 16777216 + 18 * 65536;
const log = (s: string) => process.stdout.write(s + '\n');
const secs = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

function flowOf(record: DetectionFlow['record'], tcpSeq = -1): DetectionFlow {
  return { record, srcCountry: 'JP', dstCountry: 'unknown', srcDomestic: true, dstDomestic: false, srcAs: 64500, dstAs: 0, packet: { tcpSeq } };
}

function packetPath(): void {
  const rnd = prng(1);
  const packets: SyntheticPacket[] = [];
  for (let i = 0; i < PACKETS; i++) {
    const dst = DARK + Math.floor(rnd() * 131072);
    const src = formatIPv4Number(0x7e000000 + Math.floor(rnd() * 20000));
    const x = rnd();
    if (x < 0.1) packets.push({ time: T0 + i / 20, src: '2.0.0.1', dst: formatIPv4Number(dst), proto: 6, srcPort: 80, dstPort: 40000, ipLength: 44, tcpFlags: 0x12 });
    else packets.push({ time: T0 + i / 20, src, dst: formatIPv4Number(dst), proto: 6, srcPort: 40000, dstPort: 23, ipLength: 40, tcpFlags: 0x02, tcpSeq: x < 0.5 ? dst : 12345 });
  }
  const buf = pcapBuffer(packets);
  const obs = new DarknetObservatory(DarknetPrefixes.parse(['198.18.0.0/15']));
  const st: CaptureStats = { format: 'pcap', frames: 0, udpDatagrams: 0, skippedFrames: 0, badFrames: 0 };
  const t0 = process.hrtime.bigint();
  let n = 0;
  let next = T0 + 10_000;
  let detections = 0;
  for (const f of readCaptureFrames(buf, st)) {
    const p = parseDarknetFrame(f);
    if (typeof p === 'string') continue;
    obs.observe(flowOf(packetFlowRecord(p), p.tcpSeq));
    n++;
    if (p.time >= next) {
      detections += obs.advance(p.time).length;
      next += 10_000;
    }
  }
  detections += obs.advance(T0 + PACKETS / 20).length;
  const s = secs(t0);
  log(`packet path: ${n} packets in ${s.toFixed(2)} s = ${Math.round(n / s)} packets/s; ${detections} detections emitted; state ${JSON.stringify(obs.stateSize())}`);
}

function scannerState(): void {
  const rnd = prng(2);
  const obs = new DarknetObservatory(DarknetPrefixes.parse(['198.18.0.0/15']), { scan: { maxSources: SOURCES } });
  global.gc?.();
  const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const before = used();
  for (let s = 0; s < SOURCES; s++) {
    const src = formatIPv4Number(0x7e000000 + s);
    for (let k = 0; k < 40; k++) {
      const r = emptyFlowRecord('packet', 'bench', 0);
      r.start = r.end = T0 + s;
      r.src = src;
      r.dst = formatIPv4Number(DARK + Math.floor(rnd() * 131072));
      r.proto = 6;
      r.tcpFlags = 0x02;
      r.dstPort = 23;
      r.packets = 1;
      obs.scan.observe(flowOf(r));
    }
  }
  global.gc?.();
  const heap = used() - before;
  log(`scanner state: ${SOURCES} sources × 40 addresses: ${JSON.stringify(obs.scan.stateSize())}; heap + array buffers growth ${(heap / 1048576).toFixed(1)} MiB`);
}

function ddos(): void {
  const rnd = prng(3);
  const det = new DdosVolumeDetector({ assets: ['203.0.0.0/16'] });
  const flows: DetectionFlow[] = [];
  for (let i = 0; i < 100_000; i++) {
    const r = emptyFlowRecord('ipfix', 'bench', 1);
    r.src = formatIPv4Number(0x02000000 + Math.floor(rnd() * 1e6));
    r.dst = formatIPv4Number(0xcb000000 + Math.floor(rnd() * 10_000));
    r.proto = rnd() < 0.7 ? 6 : 17;
    r.srcPort = rnd() < 0.1 ? 53 : 40000;
    r.dstPort = 443;
    r.tcpFlags = 0x1b;
    r.packets = 10;
    r.octets = 8000;
    flows.push(flowOf(r));
  }
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < FLOWS; i++) {
    const f = flows[i % flows.length];
    f.record.start = f.record.end = T0 + i;
    det.observe(f);
    if (i % 1000 === 999) det.advance(T0 + i);
  }
  const s = secs(t0);
  log(`ddos-volume: ${FLOWS} flows in ${s.toFixed(2)} s = ${Math.round(FLOWS / s)} flows/s; state ${JSON.stringify(det.stateSize())}`);
}

packetPath();
scannerState();
ddos();
