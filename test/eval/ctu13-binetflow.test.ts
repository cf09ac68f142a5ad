import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCapture } from '../../src/core/capture/capture-reader.js';
import { CounterRegistry } from '../../src/core/flow/exporter-counters.js';
import { ExportDecoder } from '../../src/core/flow/export-decoder.js';
import type { FlowRecord } from '../../src/core/flow/flow-record.js';
import { binetflowToFlowRecords, classifyLabel, parseBinetflow, parseStartTime, truthFromBinetflow } from '../../src/eval/ctu13-binetflow.js';
import { scoreDetections } from '../../src/eval/detect-score.js';
import { ipfixExportPcap } from '../../src/eval/labelled-capture.js';

/** Hand-written lines in the CTU-13 binetflow layout (header as in the published files). */
const FILE = [
  'StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label',
  '2011/08/10 09:46:53.058760,20.360268,tcp,147.32.3.93,443,  <?>,147.32.84.59,51790,FPA_FRPA,0,0,133,81929,67597,flow=Background-Established-cmpgw-CVUT',
  '2011/08/10 10:00:00.000000,1.500000,tcp,147.32.84.165,1027,   ->,195.113.232.98,6667,SPA_SPA,0,0,10,1200,400,flow=From-Botnet-V42-TCP-CC1-IRC-Established',
  '2011/08/10 10:05:00.000000,1.250000,tcp,147.32.84.165,1031,   ->,195.113.232.98,6667,SPA_SPA,0,0,8,1000,300,flow=From-Botnet-V42-TCP-CC1-IRC-Established',
  '2011/08/10 10:06:00.000000,0.000000,udp,147.32.84.165,1028,  <->,147.32.80.9,0x0035,CON,0,0,2,214,81,flow=From-Botnet-V42-UDP-DNS',
  '2011/08/10 10:07:00.000000,3.000000,tcp,147.32.84.170,50123,   ->,74.125.232.195,443,FSPA_FSPA,0,0,20,9000,1500,flow=From-Normal-V42-Stribrna',
  '2011/08/10 10:08:00.000000,0.000000,icmp,147.32.84.170,0x0008,   ->,147.32.80.9,0x0000,ECO,0,0,1,98,98,flow=From-Normal-V42-Grill',
  '2011/08/10 10:09:00.000000,0.000000,arp,147.32.84.1,,   who,147.32.84.2,,INT,0,0,1,60,60,flow=Background',
  '2011/08/10 10:10:00.000000,0.1,tcp,fe80::1,1,->,fe80::2,2,S_,0,0,1,60,60,flow=Background',
  'garbage,line',
  '',
].join('\n');

test('parseBinetflow: columns, hex ports, times, labels; non-IP, IPv6 and malformed lines counted', () => {
  const { rows, skipped } = parseBinetflow(FILE);
  assert.equal(rows.length, 6);
  assert.deepEqual(skipped, { 'proto arp': 1, ipv6: 1, malformed: 1 });
  const dns = rows[3];
  assert.equal(dns.dstPort, 53);
  assert.equal(dns.proto, 17);
  assert.equal(dns.start, Date.UTC(2011, 7, 10, 10, 6, 0));
  assert.equal(rows[0].start, Date.UTC(2011, 7, 10, 9, 46, 53) + 58.76);
  assert.equal(rows[0].durationMs, 20360);
  assert.deepEqual(rows.map((r) => r.cls), ['background', 'botnet-cc', 'botnet-cc', 'botnet', 'normal', 'normal']);
  assert.equal(parseStartTime('2011/08/10 12:00:00', 120), Date.UTC(2011, 7, 10, 10, 0, 0));
  assert.equal(classifyLabel('flow=To-Botnet-V42-UDP'), 'to-botnet');
  assert.equal(classifyLabel('flow=something'), 'unlabelled');
  assert.throws(() => parseBinetflow('StartTime,Dur\n'), /SAKI_ERR_VALIDATION|no Proto column/);
});

test('binetflowToFlowRecords: one record per direction with bytes, packets split by bytes, TCP flags from the Argus state', () => {
  const { rows } = parseBinetflow(FILE);
  const recs = binetflowToFlowRecords(rows);
  const cc = recs.filter((r) => r.dstPort === 6667 || r.srcPort === 6667);
  assert.equal(cc.length, 4);
  const fwd = cc[0];
  assert.deepEqual([fwd.src, fwd.dst, fwd.srcPort, fwd.dstPort, fwd.proto], ['147.32.84.165', '195.113.232.98', 1027, 6667, 6]);
  // 10 packets, 400 of 1200 bytes from the source → 3 (rounded 3.33) source packets, 7 back.
  assert.equal(fwd.packets, 3);
  assert.equal(fwd.octets, 400);
  assert.equal(fwd.tcpFlags, 0x02 | 0x08 | 0x10);
  assert.equal(cc[1].packets, 7);
  assert.equal(cc[1].octets, 800);
  assert.equal(cc[1].src, '195.113.232.98');
  assert.equal(fwd.end - fwd.start, 1500);
  // The one-way ICMP echo keeps a single record.
  assert.equal(recs.filter((r) => r.proto === 1).length, 1);
  // Every record survives the IPFIX encoding and the project's decoder.
  const counters = new CounterRegistry();
  const decoder = new ExportDecoder({ counters, templateHoldMs: 60_000, maxHeldSetsPerExporter: 100 });
  const decoded: FlowRecord[] = [];
  for (const d of readCapture(ipfixExportPcap(recs).pcap)) decoder.decode({ receivedAt: d.timestamp, exporter: d.src, exporterPort: d.srcPort, payload: d.payload }, decoded);
  assert.equal(decoded.length, recs.length);
  assert.deepEqual(decoded.map((r) => `${r.src}:${r.srcPort}>${r.dst}:${r.dstPort}/${r.proto} ${r.packets} ${r.octets}`).sort(), recs.map((r) => `${r.src}:${r.srcPort}>${r.dst}:${r.dstPort}/${r.proto} ${r.packets} ${r.octets}`).sort());
});

test('truthFromBinetflow: bots, C&C from -CC labels, normal hosts and destinations as negatives; scoring works on it', () => {
  const { rows } = parseBinetflow(FILE);
  const truth = truthFromBinetflow(rows);
  assert.deepEqual(truth.bot.positives, [{ ip: '147.32.84.165', from: Date.UTC(2011, 7, 10, 10, 0, 0) }]);
  assert.deepEqual(truth.c2.positives, [{ ip: '195.113.232.98', port: 6667, proto: 6, from: Date.UTC(2011, 7, 10, 10, 0, 0) }]);
  assert.deepEqual(truth.bot.negatives, [{ ip: '147.32.84.170', what: 'normal-host' }]);
  assert.deepEqual(truth.c2.negatives.map((n) => n.ip).sort(), ['147.32.80.9', '74.125.232.195']);
  const r = scoreDetections(truth, [
    { kind: 'c2', ip: '195.113.232.98', port: 6667, proto: 6, score: 1, detectors: ['beacon'] },
    { kind: 'c2', ip: '74.125.232.195', port: 443, proto: 6, score: 1, detectors: ['beacon'] },
    { kind: 'bot', ip: '147.32.84.165', port: 0, proto: 0, score: 1, detectors: ['seed-peer'] },
  ]);
  assert.equal(r.byKind.c2.precision, 0.5);
  assert.equal(r.byKind.c2.recall, 1);
  assert.equal(r.byKind.c2.fpr, 0.5);
  assert.equal(r.byKind.bot.f1, 1);
});
