import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCapture } from '../../../../src/core/capture/capture-reader.js';
import type { ExportDatagram } from '../../../../src/core/flow/export-datagram.js';
import { CounterRegistry, type ExporterCounters } from '../../../../src/core/flow/exporter-counters.js';
import type { DecoderOptions, FlowDecoder } from '../../../../src/core/flow/flow-decoder.js';
import type { FlowRecord } from '../../../../src/core/flow/flow-record.js';
import { IpfixDecoder } from '../../../../src/core/flow/decoders/ipfix-decoder.js';
import { NetflowV5Decoder } from '../../../../src/core/flow/decoders/netflow-v5-decoder.js';
import { NetflowV9Decoder } from '../../../../src/core/flow/decoders/netflow-v9-decoder.js';
import { NETFLOW_CAPTURES } from '../../../helpers/paths.js';

/** Shared plumbing of the NetFlow/IPFIX decoder tests: replaying the Akvorado captures. */

export function capturePath(name: string): string {
  return join(NETFLOW_CAPTURES, name);
}

export function captureDatagrams(name: string): ExportDatagram[] {
  const buf = new Uint8Array(readFileSync(capturePath(name)));
  return [...readCapture(buf)].map((d) => ({ receivedAt: d.timestamp, exporter: d.src, exporterPort: d.srcPort, payload: d.payload }));
}

/** UDP destination port of a capture's first datagram: where tshark must decode cflow. */
export function collectorPort(name: string): number {
  const buf = new Uint8Array(readFileSync(capturePath(name)));
  for (const d of readCapture(buf)) return d.dstPort;
  throw new Error(`no UDP datagram in ${name}`);
}

export interface Decoders {
  counters: CounterRegistry;
  v5: NetflowV5Decoder;
  v9: NetflowV9Decoder;
  ipfix: IpfixDecoder;
  /** The decoder the dispatcher would pick from the version word (5, 9, 10). */
  pick(payload: Uint8Array): FlowDecoder;
}

export function newDecoders(overrides: Partial<DecoderOptions> = {}): Decoders {
  const counters = new CounterRegistry();
  const options: DecoderOptions = { counters, templateHoldMs: 60_000, maxHeldSetsPerExporter: 16, ...overrides };
  const v5 = new NetflowV5Decoder(options);
  const v9 = new NetflowV9Decoder(options);
  const ipfix = new IpfixDecoder(options);
  return {
    counters,
    v5,
    v9,
    ipfix,
    pick(payload) {
      const version = (payload[0] << 8) | payload[1];
      if (version === 5) return v5;
      if (version === 9) return v9;
      if (version === 10) return ipfix;
      throw new Error(`not a NetFlow/IPFIX version: ${version}`);
    },
  };
}

export interface Replay {
  records: FlowRecord[];
  /** Records returned by each decode() call, in order. */
  returned: number[];
  counters: ExporterCounters;
}

/** Feeds the captures, in order, into one set of decoders (templates persist across files). */
export function replay(names: string[], decoders: Decoders = newDecoders()): Replay {
  const records: FlowRecord[] = [];
  const returned: number[] = [];
  let exporter = '';
  for (const name of names) {
    for (const d of captureDatagrams(name)) {
      exporter = d.exporter;
      const before = records.length;
      const n = decoders.pick(d.payload).decode(d, records);
      if (n !== records.length - before) throw new Error(`decode() returned ${n} but appended ${records.length - before}`);
      returned.push(n);
    }
  }
  return { records, returned, counters: decoders.counters.get(exporter) };
}
