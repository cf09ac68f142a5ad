import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ExportDatagram } from '../../../../src/core/flow/export-datagram.js';
import type { FlowRecord } from '../../../../src/core/flow/flow-record.js';
import { captureDatagrams, capturePath, decodeCapture, newDecoder, sflowCaptureFiles } from './sflow-capture.js';
import { tsharkSflow } from './sflow-tshark.js';

/** Hostile and truncated input: decode() never throws, never loops, counts each bad datagram once. */

function withPayload(d: ExportDatagram, payload: Uint8Array): ExportDatagram {
  return { ...d, payload };
}

function decodeOne(d: ExportDatagram): { records: FlowRecord[]; returned: number; malformed: number } {
  const { decoder, counters } = newDecoder();
  const records: FlowRecord[] = [];
  const returned = decoder.decode(d, records);
  return { records, returned, malformed: counters.get(d.exporter).malformed };
}

function setU32(b: Uint8Array, off: number, v: number): void {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(off, v >>> 0, false);
}

/** Offsets inside data-sflow-expanded-sample.pcap's datagram, from the sFlow v5 layout (IPv4 agent). */
const SAMPLES_COUNT = 24;
const SAMPLE_LENGTH = 32;
const EXPANDED_RECORDS_COUNT = 36 + 40;
const FIRST_RECORD_LENGTH = 36 + 44 + 4;
const FIRST_HEADER_LENGTH = 36 + 44 + 8 + 12;

function expandedDatagram(): ExportDatagram {
  const [d] = captureDatagrams('data-sflow-expanded-sample.pcap');
  return withPayload(d, new Uint8Array(d.payload));
}

describe('SflowV5Decoder on malformed input', () => {
  for (const file of sflowCaptureFiles()) {
    it(`${file}: every truncation is counted malformed, never throws, never yields extra records`, async () => {
      const theirs = await tsharkSflow(capturePath(file));
      const ours = decodeCapture(file);
      assert.equal(ours.length, theirs.length);
      for (const [i, full] of ours.entries()) {
        const payload = full.datagram.payload;
        // Once every declared sample is present, the remaining bytes are trailing data: the records are
        // complete, the datagram is still counted (docs/reference/flow-fields-sflow.md). Cut exactly at
        // the end of the declared samples, a datagram with trailing data becomes a valid one.
        const declared = theirs[i].declaredLength;
        assert.ok(declared <= payload.length);
        for (let len = 0; len < payload.length; len++) {
          const r = decodeOne(withPayload(full.datagram, payload.slice(0, len)));
          assert.equal(r.returned, r.records.length);
          assert.equal(r.malformed, len === declared ? 0 : 1, `length ${len}/${payload.length} (declared ${declared}): malformed count`);
          if (len < declared) assert.ok(r.records.length < full.records.length, `length ${len}: ${r.records.length} records of ${full.records.length}`);
          else assert.equal(r.records.length, full.records.length, `length ${len}: all declared samples present`);
          for (let k = 0; k < r.records.length; k++) assert.deepEqual(r.records[k], full.records[k], `length ${len}: record ${k} is a completed one`);
        }
      }
    });
  }

  it('a sample count of 2^32 − 1 keeps the real samples, then stops as malformed', () => {
    const d = expandedDatagram();
    setU32(d.payload, SAMPLES_COUNT, 0xffffffff);
    const r = decodeOne(d);
    assert.equal(r.records.length, 1);
    assert.equal(r.malformed, 1);
  });

  it('a flow-record count of 2^32 − 1 fails the sample', () => {
    const d = expandedDatagram();
    setU32(d.payload, EXPANDED_RECORDS_COUNT, 0xffffffff);
    const r = decodeOne(d);
    assert.equal(r.records.length, 0);
    assert.equal(r.malformed, 1);
  });

  it('a sample length beyond the datagram is malformed', () => {
    const d = expandedDatagram();
    setU32(d.payload, SAMPLE_LENGTH, 0xfffffff0);
    const r = decodeOne(d);
    assert.equal(r.records.length, 0);
    assert.equal(r.malformed, 1);
  });

  it('a record length beyond its sample is malformed', () => {
    const d = expandedDatagram();
    setU32(d.payload, FIRST_RECORD_LENGTH, 0xffffffff);
    assert.equal(decodeOne(d).malformed, 1);
  });

  it('a sampled-header length beyond its record is malformed', () => {
    const d = expandedDatagram();
    setU32(d.payload, FIRST_HEADER_LENGTH, 0x7fffffff);
    assert.equal(decodeOne(d).malformed, 1);
  });

  it('an unknown agent address type is malformed', () => {
    const d = expandedDatagram();
    setU32(d.payload, 4, 7);
    const r = decodeOne(d);
    assert.equal(r.records.length, 0);
    assert.equal(r.malformed, 1);
  });

  it('a version other than 5 is malformed', () => {
    const d = expandedDatagram();
    setU32(d.payload, 0, 4);
    assert.equal(decodeOne(d).malformed, 1);
  });

  it('an AS path segment count of 2^32 − 1 is malformed', () => {
    const d = expandedDatagram();
    // Gateway record after the raw header record (8 + 140 bytes): format, length, next hop (type, IPv4),
    // as, src_as, src_peer_as, then the dst_as_path<> segment count and the first segment (type, count).
    const gateway = 36 + 44 + 8 + 140;
    const body = gateway + 8;
    const view = new DataView(d.payload.buffer);
    assert.equal(view.getUint32(gateway, false), 1003, 'extended gateway record');
    assert.equal(view.getUint32(body, false), 1, 'next hop is IPv4');
    assert.equal(view.getUint32(body + 20, false), 1, 'one AS path segment');
    setU32(d.payload, body + 20, 0xffffffff);
    assert.equal(decodeOne(d).malformed, 1);
    const d2 = expandedDatagram();
    setU32(d2.payload, body + 28, 0xffffffff);
    assert.equal(decodeOne(d2).malformed, 1, 'AS count in a segment of 2^32 − 1');
  });

  it('a malformed datagram is counted once per datagram, on its exporter', () => {
    const { decoder, counters } = newDecoder();
    const d = expandedDatagram();
    setU32(d.payload, SAMPLES_COUNT, 0xffffffff);
    const out: FlowRecord[] = [];
    decoder.decode(d, out);
    decoder.decode(d, out);
    decoder.decode(withPayload(d, new Uint8Array(0)), out);
    assert.equal(counters.get(d.exporter).malformed, 3);
    assert.equal(counters.get('203.0.113.99').malformed, 0);
  });

  it('random byte corruption of every capture never throws', () => {
    let seed = 0x5eed;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const datagrams = sflowCaptureFiles().flatMap((f) => captureDatagrams(f));
    const { decoder, counters } = newDecoder();
    let decoded = 0;
    for (let i = 0; i < 5000; i++) {
      const base = datagrams[i % datagrams.length];
      const p = new Uint8Array(base.payload);
      const flips = 1 + rand(8);
      for (let k = 0; k < flips; k++) p[rand(p.length)] = rand(256);
      const out: FlowRecord[] = [];
      const before = counters.get(base.exporter).malformed;
      const n = decoder.decode(withPayload(base, p), out);
      const after = counters.get(base.exporter).malformed;
      assert.equal(n, out.length);
      assert.ok(after - before <= 1, 'at most one malformed count per datagram');
      for (const r of out) {
        assert.ok(Number.isFinite(r.octets) && Number.isFinite(r.packets));
        assert.ok(r.src.length > 0 && r.dst.length > 0);
      }
      decoded++;
    }
    assert.equal(decoded, 5000);
  });
});
