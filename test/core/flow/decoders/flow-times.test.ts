import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FlowRecord } from '../../../../src/core/flow/flow-record.js';
import { ntpToEpochMs, uptimeToEpochMs } from '../../../../src/core/flow/decoders/flow-times.js';
import { ByteWriter, datagram, ipfixMessage, set, v9Packet } from './export-builder.js';
import { newDecoders } from './netflow-captures.js';

/** Time resolution of v9 and IPFIX records (docs/reference/flow-fields.md, "Times"). */

const EXPORT_SECONDS = 1_700_000_000;
const EXPORT_MS = EXPORT_SECONDS * 1000;
/** 2023-11-14T22:13:20Z, the export time, as NTP seconds (RFC 5905 era 0: Unix + 2208988800). */
const NTP_EXPORT = EXPORT_SECONDS + 2_208_988_800;

function ipfixRecord(fields: [number, number][], values: (w: ByteWriter) => void, extraSets: Uint8Array[] = []): FlowRecord[] {
  const t = new ByteWriter().u16(400).u16(fields.length + 2).u16(8).u16(4).u16(12).u16(4);
  for (const [id, len] of fields) t.u16(id).u16(len);
  const data = new ByteWriter().ipv4('10.0.0.1').ipv4('10.0.0.2');
  values(data);
  const out: FlowRecord[] = [];
  const d = newDecoders();
  d.ipfix.decode(datagram(ipfixMessage(1, EXPORT_SECONDS, [...extraSets, set(2, t.toBytes()), set(400, data.toBytes())])), out);
  assert.equal(d.counters.get('192.0.2.1').malformed, 0);
  assert.equal(out.length, 1);
  return out;
}

describe('flow times', () => {
  it('uptime-relative timestamps, modulo the 32-bit sysUptime wrap', () => {
    assert.equal(uptimeToEpochMs(EXPORT_MS, 10_000, 4_000), EXPORT_MS - 6_000);
    assert.equal(uptimeToEpochMs(EXPORT_MS, 500, 0xffffff00), EXPORT_MS - 756);
    assert.equal(uptimeToEpochMs(EXPORT_MS, 10_000, 10_020), EXPORT_MS + 20);
  });

  it('NTP timestamps (RFC 7011 §6.1.9–6.1.10)', () => {
    assert.equal(ntpToEpochMs(NTP_EXPORT, 0x80000000), EXPORT_MS + 500);
    assert.equal(ntpToEpochMs(NTP_EXPORT, 0x00418938), EXPORT_MS + 1); // 0.001 s is 4294967.296 / 2^32; truncated to whole ms
    // Era 1 (after 2036-02-07 06:28:16Z): seconds restart from 0.
    assert.equal(ntpToEpochMs(0, 0), 2_085_978_496_000);
  });

  it('IPFIX flowStart/EndSeconds (150/151)', () => {
    const [r] = ipfixRecord([[150, 4], [151, 4]], (w) => w.u32(EXPORT_SECONDS - 60).u32(EXPORT_SECONDS - 1));
    assert.deepEqual([r.start, r.end], [EXPORT_MS - 60_000, EXPORT_MS - 1_000]);
  });

  it('IPFIX flowStart/EndMilliseconds (152/153)', () => {
    const [r] = ipfixRecord([[152, 8], [153, 8]], (w) => w.u64(BigInt(EXPORT_MS - 1234)).u64(BigInt(EXPORT_MS - 5)));
    assert.deepEqual([r.start, r.end], [EXPORT_MS - 1234, EXPORT_MS - 5]);
  });

  it('IPFIX flowStart/EndMicroseconds and Nanoseconds (154–157, NTP format)', () => {
    const [r] = ipfixRecord([[154, 8], [155, 8]], (w) => w.u32(NTP_EXPORT - 2).u32(0x40000000).u32(NTP_EXPORT).u32(0));
    assert.deepEqual([r.start, r.end], [EXPORT_MS - 2000 + 250, EXPORT_MS]);
    const [n] = ipfixRecord([[156, 8], [157, 8]], (w) => w.u32(NTP_EXPORT - 1).u32(0xc0000000).u32(NTP_EXPORT).u32(0x80000000));
    assert.deepEqual([n.start, n.end], [EXPORT_MS - 250, EXPORT_MS + 500]);
  });

  it('IPFIX flowStart/EndSysUpTime (22/21) with systemInitTimeMilliseconds (160) in the record', () => {
    const init = EXPORT_MS - 3_600_000;
    const [r] = ipfixRecord([[160, 8], [22, 4], [21, 4]], (w) => w.u64(BigInt(init)).u32(1000).u32(2500));
    assert.deepEqual([r.start, r.end], [init + 1000, init + 2500]);
  });

  it('IPFIX flowStart/EndSysUpTime with systemInitTimeMilliseconds announced by an options record', () => {
    const init = EXPORT_MS - 7_200_000;
    const optionsTemplate = set(3, new ByteWriter().u16(500).u16(2).u16(1).u16(149).u16(4).u16(160).u16(8).toBytes());
    const optionsData = set(500, new ByteWriter().u32(1).u64(BigInt(init)).toBytes());
    const [r] = ipfixRecord([[22, 4], [21, 4]], (w) => w.u32(10).u32(20), [optionsTemplate, optionsData]);
    assert.deepEqual([r.start, r.end], [init + 10, init + 20]);
  });

  it('IPFIX flowStart/EndDeltaMicroseconds (158/159) are relative to the export time', () => {
    const [r] = ipfixRecord([[158, 4], [159, 4]], (w) => w.u32(1_500_000).u32(250_000));
    assert.deepEqual([r.start, r.end], [EXPORT_MS - 1500, EXPORT_MS - 250]);
  });

  it('records without times take the export time; sysUpTime without a known init time too', () => {
    const [r] = ipfixRecord([], () => undefined);
    assert.deepEqual([r.start, r.end], [EXPORT_MS, EXPORT_MS]);
    const [u] = ipfixRecord([[22, 4], [21, 4]], (w) => w.u32(10).u32(20));
    assert.deepEqual([u.start, u.end], [EXPORT_MS, EXPORT_MS]);
  });

  it('NetFlow v9 FIRST/LAST_SWITCHED against the header sysUptime and unix_secs', () => {
    const t = set(0, new ByteWriter().u16(256).u16(4).u16(8).u16(4).u16(12).u16(4).u16(22).u16(4).u16(21).u16(4).toBytes());
    const data = set(256, new ByteWriter().ipv4('10.0.0.1').ipv4('10.0.0.2').u32(0xfffff000).u32(200).toBytes());
    const out: FlowRecord[] = [];
    newDecoders().v9.decode(datagram(v9Packet(3, EXPORT_SECONDS, 1000, [t, data])), out);
    assert.deepEqual([out[0].start, out[0].end, out[0].observationDomain], [EXPORT_MS - 1000 - 4096, EXPORT_MS - 800, 3]);
    const noTimes = set(0, new ByteWriter().u16(257).u16(2).u16(8).u16(4).u16(12).u16(4).toBytes());
    newDecoders().v9.decode(datagram(v9Packet(3, EXPORT_SECONDS, 1000, [noTimes, set(257, new ByteWriter().ipv4('10.0.0.1').ipv4('10.0.0.2').toBytes())])), out);
    assert.deepEqual([out[1].start, out[1].end], [EXPORT_MS, EXPORT_MS]);
  });
});
