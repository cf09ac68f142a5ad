import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlowRecord, FlowSource } from '../../../../src/core/flow/flow-record.js';
import { replay } from './netflow-captures.js';
import { decodeCapture, sflowCaptureFiles } from './sflow-capture.js';

/**
 * FlowRecord.srcV4/dstV4: the numeric twins decoders set beside the textual addresses so that
 * classification need not parse the text back. Every Akvorado capture is replayed; a twin must
 * equal its text (computed here by splitting the dotted quad, not through the decoders' code),
 * IPv6 records carry none (-1), and every IPv4 address an export carries has one.
 */

/** The NetFlow/IPFIX capture sets the decoder tests replay (templates before data). */
const NETFLOW_SETS: string[][] = [
  ['nfv5.pcap'],
  ['options-template.pcap', 'options-data.pcap', 'template.pcap', 'data.pcap'],
  ['icmp-template.pcap', 'icmp-data.pcap'],
  ['multiplesamplingrates-options-template.pcap', 'multiplesamplingrates-options-data.pcap', 'multiplesamplingrates-template.pcap', 'multiplesamplingrates-data.pcap'],
  ['samplingrate-template.pcap', 'samplingrate-data.pcap'],
  ['nat.pcap'],
  ['data+templates.pcap'],
  ['mpls.pcap'],
  ['physicalinterfaces.pcap'],
  ['datalink-template.pcap', 'datalink-data.pcap'],
  ['ethernet-over-mpls-with-control-word-template.pcap', 'ethernet-over-mpls-with-control-word-data.pcap'],
  ['ipfix-srv6-template.pcap', 'ipfix-srv6-data.pcap'],
  ['ipfixprobe-templates.pcap', 'ipfixprobe-data.pcap'],
  ['juniper-cpid-template.pcap', 'juniper-cpid-data.pcap'],
];

function dottedQuadNumber(text: string): number {
  const parts = text.split('.');
  assert.equal(parts.length, 4, `${text} is a dotted quad`);
  return parts.reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

interface TwinCounts {
  ipv4: number;
  ipv6: number;
}

/** Checks one record's twins against its text; counts addresses by family. */
function checkTwins(r: FlowRecord, where: string, counts: TwinCounts): void {
  for (const [text, twin, side] of [
    [r.src, r.srcV4, 'src'],
    [r.dst, r.dstV4, 'dst'],
  ] as const) {
    if (r.ipVersion === 6) {
      assert.equal(twin, -1, `${where}: IPv6 ${side} ${text} has no IPv4 twin`);
      counts.ipv6++;
    } else if (twin === -1) {
      // Only an address the export did not carry (the neutral 0.0.0.0) may lack its twin.
      assert.equal(text, '0.0.0.0', `${where}: IPv4 ${side} ${text} has no twin`);
    } else {
      assert.equal(twin, dottedQuadNumber(text), `${where}: ${side} twin of ${text}`);
      counts.ipv4++;
    }
  }
}

describe('decoders set the numeric IPv4 twins of the addresses (FlowRecord.srcV4/dstV4)', () => {
  it('NetFlow v5, v9 and IPFIX: every capture', () => {
    const bySource = new Map<FlowSource, TwinCounts>();
    for (const files of NETFLOW_SETS) {
      for (const [i, r] of replay(files).records.entries()) {
        let counts = bySource.get(r.source);
        if (counts === undefined) bySource.set(r.source, (counts = { ipv4: 0, ipv6: 0 }));
        checkTwins(r, `${files.join(' + ')} record ${i}`, counts);
      }
    }
    for (const source of ['netflow-v5', 'netflow-v9', 'ipfix'] as const) {
      assert.ok((bySource.get(source)?.ipv4 ?? 0) > 0, `${source}: IPv4 addresses with twins were seen`);
    }
    assert.ok((bySource.get('netflow-v9')?.ipv6 ?? 0) > 0, 'NetFlow v9 IPv6 records were seen (twins -1)');
    assert.ok((bySource.get('ipfix')?.ipv6 ?? 0) > 0, 'IPFIX IPv6 records were seen (twins -1)');
  });

  it('sFlow v5: every capture (sampled packet headers, sampled IPv4/IPv6 records, VXLAN, QinQ)', () => {
    const counts: TwinCounts = { ipv4: 0, ipv6: 0 };
    for (const file of sflowCaptureFiles()) {
      for (const [d, decoded] of decodeCapture(file).entries()) {
        for (const [i, r] of decoded.records.entries()) checkTwins(r, `${file} datagram ${d} record ${i}`, counts);
      }
    }
    assert.ok(counts.ipv4 > 0, 'sFlow IPv4 addresses with twins were seen');
    assert.ok(counts.ipv6 > 0, 'sFlow IPv6 records were seen (twins -1)');
  });
});
