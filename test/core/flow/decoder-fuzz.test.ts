import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCapture } from '../../../src/core/capture/capture-reader.js';
import { CounterRegistry } from '../../../src/core/flow/exporter-counters.js';
import { ExportDecoder } from '../../../src/core/flow/export-decoder.js';
import { encodeNetflowV5, IpfixEncoder, NetflowV9Encoder } from '../../../src/core/flow/encoders/export-encoder.js';
import type { FlowRecord } from '../../../src/core/flow/flow-record.js';
import { prng, syntheticFlows } from '../../../src/demo/synthetic-flows.js';
import { NETFLOW_CAPTURES, SFLOW_CAPTURES } from '../../helpers/paths.js';

const CASES = Number(process.env.SAKIMORI_FUZZ_CASES ?? 100_000);

function corpus(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const dir of [NETFLOW_CAPTURES, SFLOW_CAPTURES]) {
    for (const f of readdirSync(dir).sort()) for (const d of readCapture(readFileSync(join(dir, f)))) out.push(new Uint8Array(d.payload));
  }
  const flows = syntheticFlows(60, { seed: 9 });
  out.push(...encodeNetflowV5(flows, 1_700_000_000, 100_000));
  const v9 = new NetflowV9Encoder({ domain: 3 });
  out.push(v9.templatePacket(1_700_000_000, 100_000), ...v9.dataPackets(flows, 1_700_000_000, 100_000));
  const ipfix = new IpfixEncoder({ domain: 4 });
  out.push(ipfix.templateMessage(1_700_000_000), ...ipfix.dataMessages(flows, 1_700_000_000));
  return out;
}

function mutate(src: Uint8Array, rnd: () => number): Uint8Array {
  const b = new Uint8Array(src);
  const kind = Math.floor(rnd() * 6);
  const at = () => Math.floor(rnd() * b.length);
  switch (kind) {
    case 0: // flip bits
      for (let i = 0, n = 1 + Math.floor(rnd() * 4); i < n; i++) b[at()] ^= 1 << Math.floor(rnd() * 8);
      return b;
    case 1: // random bytes at random places
      for (let i = 0, n = 1 + Math.floor(rnd() * 8); i < n; i++) b[at()] = Math.floor(rnd() * 256);
      return b;
    case 2: // hostile 16-bit lengths/counts (0, 1, 0xffff, …) at 2-byte aligned positions
    case 3: {
      const values = [0, 1, 2, 3, 4, 0x7fff, 0x8000, 0xffff, 0xfffe, 255];
      const p = at() & ~1;
      const v = values[Math.floor(rnd() * values.length)];
      b[p] = v >> 8;
      if (p + 1 < b.length) b[p + 1] = v & 255;
      return b;
    }
    case 4: // truncate
      return b.subarray(0, Math.floor(rnd() * b.length));
    default: // splice two halves of itself (duplicated regions, shifted sets)
      return Uint8Array.from([...b.subarray(0, at()), ...b.subarray(at())]);
  }
}

test(`decoders survive ${CASES} mutated and truncated datagrams: no throw, no hang, bad ones counted`, () => {
  const seeds = corpus();
  assert.ok(seeds.length > 40);
  const rnd = prng(20261121);
  const counters = new CounterRegistry();
  const decoder = new ExportDecoder({ counters, templateHoldMs: 5_000, maxHeldSetsPerExporter: 50 });
  // Prime templates so mutations reach the data-record paths too.
  for (const s of seeds) decoder.decode({ receivedAt: 0, exporter: '192.0.2.9', exporterPort: 2055, payload: s }, []);
  const out: FlowRecord[] = [];
  let counted = 0;
  for (let i = 0; i < CASES; i++) {
    const payload = mutate(seeds[Math.floor(rnd() * seeds.length)], rnd);
    const exporter = i % 2 ? '192.0.2.9' : '198.51.100.1';
    const before = counters.get(exporter).malformed;
    out.length = 0;
    const n = decoder.decode({ receivedAt: i, exporter, exporterPort: 2055, payload }, out);
    assert.equal(n, out.length);
    for (const r of out) {
      assert.ok(r.ipVersion === 4 || r.ipVersion === 6);
      assert.ok(Number.isFinite(r.packets) && Number.isFinite(r.octets) && Number.isFinite(r.start));
    }
    if (counters.get(exporter).malformed > before) counted++;
    if (i % 10_000 === 0) decoder.expire(i);
  }
  // Most mutations are detectably bad; a decoder that never counts anything fails here.
  assert.ok(counted > CASES * 0.2, `only ${counted} of ${CASES} mutated datagrams were counted malformed`);
});

test('every strict truncation of a real datagram is counted as malformed, never yields more records', () => {
  const seeds = corpus();
  for (const s of seeds) {
    const counters = new CounterRegistry();
    const fullCounters = new CounterRegistry();
    const full = new ExportDecoder({ counters: fullCounters, templateHoldMs: 5_000, maxHeldSetsPerExporter: 50 });
    const decoder = new ExportDecoder({ counters, templateHoldMs: 5_000, maxHeldSetsPerExporter: 50 });
    for (const t of seeds) {
      full.decode({ receivedAt: 0, exporter: 'x', exporterPort: 0, payload: t }, []);
      decoder.decode({ receivedAt: 0, exporter: 'x', exporterPort: 0, payload: t }, []);
    }
    const malformedBefore = fullCounters.get('x').malformed;
    const whole = full.decode({ receivedAt: 0, exporter: 'x', exporterPort: 0, payload: s }, []);
    // A datagram that is itself malformed (e.g. sFlow with bytes after its declared samples) can be
    // cut into a well-formed one: only the "never more records" rule applies to it.
    const selfMalformed = fullCounters.get('x').malformed > malformedBefore;
    for (let len = 0; len < s.length; len++) {
      const before = counters.get('x').malformed;
      const n = decoder.decode({ receivedAt: 0, exporter: 'x', exporterPort: 0, payload: s.subarray(0, len) }, []);
      assert.ok(n <= whole, `truncation to ${len} yielded ${n} > ${whole} records`);
      if (!selfMalformed) assert.equal(counters.get('x').malformed, before + 1, `truncation of a ${s.length}-byte datagram to ${len} bytes not counted`);
    }
  }
});
