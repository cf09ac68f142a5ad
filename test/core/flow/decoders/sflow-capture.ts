import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readCapture } from '../../../../src/core/capture/capture-reader.js';
import type { ExportDatagram } from '../../../../src/core/flow/export-datagram.js';
import { CounterRegistry } from '../../../../src/core/flow/exporter-counters.js';
import type { FlowRecord } from '../../../../src/core/flow/flow-record.js';
import { SflowV5Decoder } from '../../../../src/core/flow/decoders/sflow-decoder.js';
import { SFLOW_CAPTURES } from '../../../helpers/paths.js';

/** Shared plumbing of the sFlow decoder tests: replaying the Akvorado sFlow captures. */

export function sflowCaptureFiles(): string[] {
  return readdirSync(SFLOW_CAPTURES)
    .filter((f) => f.endsWith('.pcap'))
    .sort();
}

export function capturePath(name: string): string {
  return join(SFLOW_CAPTURES, name);
}

export function captureDatagrams(name: string): ExportDatagram[] {
  const buf = new Uint8Array(readFileSync(capturePath(name)));
  return [...readCapture(buf)].map((d) => ({ receivedAt: d.timestamp, exporter: d.src, exporterPort: d.srcPort, payload: d.payload }));
}

export function newDecoder(): { decoder: SflowV5Decoder; counters: CounterRegistry } {
  const counters = new CounterRegistry();
  return { decoder: new SflowV5Decoder({ counters, templateHoldMs: 60_000, maxHeldSetsPerExporter: 16 }), counters };
}

export interface Decoded {
  datagram: ExportDatagram;
  records: FlowRecord[];
  returned: number;
  malformed: number;
}

/** Decodes each datagram of a capture with a fresh decoder, noting the malformed count it caused. */
export function decodeCapture(name: string): Decoded[] {
  const { decoder, counters } = newDecoder();
  return captureDatagrams(name).map((datagram) => {
    const before = counters.get(datagram.exporter).malformed;
    const records: FlowRecord[] = [];
    const returned = decoder.decode(datagram, records);
    return { datagram, records, returned, malformed: counters.get(datagram.exporter).malformed - before };
  });
}

/** The only record of a single-sample capture. */
export function onlyRecord(name: string): FlowRecord {
  const d = decodeCapture(name);
  if (d.length !== 1 || d[0].records.length !== 1) throw new Error(`${name}: expected one datagram with one record`);
  return d[0].records[0];
}
