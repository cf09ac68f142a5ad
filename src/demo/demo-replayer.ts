import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { readCapture } from '../core/capture/capture-reader.js';
import type { Logger } from '../observability/logger.js';
import type { BoundListener } from '../collector/udp-receiver.js';
import { basename } from 'node:path';
import { encodeNetflowV5, IpfixEncoder, NetflowV9Encoder } from '../core/flow/encoders/export-encoder.js';
import type { FlowRecord } from '../core/flow/flow-record.js';
import { syntheticFlows } from './synthetic-flows.js';

/** "multiplesamplingrates-options-template.pcap" → "multiplesamplingrates". */
function captureFamily(file: string): string {
  return basename(file).replace(/\.[^.]+$/, '').replace(/(^|-)(options-)?(templates?|data)$/, '');
}

interface ReplayItem {
  /** Loopback source address standing in for the capture's exporter. */
  source: string;
  port: number;
  payload: Uint8Array;
}

/**
 * Replays export captures to the collector's own listeners on loopback, so that a newcomer
 * sees data flowing with no router around. Each exporter of the captures is given its own
 * 127.0.0.N source address; traffic never leaves 127.0.0.0/8.
 */
export class DemoReplayer {
  readonly #items: ReplayItem[] = [];
  readonly #sockets = new Map<string, Socket>();
  #timer: NodeJS.Timeout | undefined;
  #next = 0;

  constructor(
    files: readonly string[],
    listeners: readonly BoundListener[],
    private readonly rate: number,
    private readonly log: Logger,
  ) {
    const netflow = listeners.find((l) => l.protocol === 'netflow' && !l.address.includes(':'));
    const sflow = listeners.find((l) => l.protocol === 'sflow' && !l.address.includes(':'));
    const sources = new Map<string, string>();
    for (const f of files) {
      let datagrams;
      try {
        datagrams = [...readCapture(readFileSync(f))];
      } catch {
        this.log.warn({ file: f }, 'demo capture skipped: unreadable');
        continue;
      }
      for (const d of datagrams) {
        const isSflow = d.payload.length >= 4 && d.payload[0] === 0 && d.payload[1] === 0 && d.payload[2] === 0 && d.payload[3] === 5;
        const target = isSflow ? sflow : netflow;
        if (!target) continue;
        // Captures of one exporter (x-template + x-data) share a source; unrelated captures that
        // happen to reuse an exporter address and template ids must not overwrite each other's templates.
        const key = `${captureFamily(f)}|${d.src}`;
        let source = sources.get(key);
        if (source === undefined) {
          source = `127.0.0.${Math.min(254, sources.size + 10)}`;
          sources.set(key, source);
        }
        this.#items.push({ source, port: target.port, payload: d.payload });
      }
    }
  }

  /**
   * Adds a synthetic export stream (IPFIX, NetFlow v9 and v5 from three loopback exporters) with
   * flow times around `now`, so the demo shows data even where no sample captures are present.
   */
  addSynthetic(listeners: readonly BoundListener[], now: number): void {
    const netflow = listeners.find((l) => l.protocol === 'netflow' && !l.address.includes(':'));
    if (!netflow) return;
    const unix = Math.floor(now / 1000);
    const flows = syntheticFlows(1500, { seed: unix, startMs: now - 60_000, spanMs: 55_000 });
    const ipfix = new IpfixEncoder({ domain: 1 });
    const v9 = new NetflowV9Encoder({ domain: 2 });
    const streams: [string, Uint8Array[]][] = [
      ['127.0.0.2', [ipfix.templateMessage(unix), ...ipfix.dataMessages(flows.slice(0, 500), unix)]],
      ['127.0.0.3', [v9.templatePacket(unix, 3_600_000), ...v9.dataPackets(flows.slice(500, 1000), unix, 3_600_000)]],
      ['127.0.0.4', encodeNetflowV5(flows.slice(1000), unix, 3_600_000)],
    ];
    for (const [source, datagrams] of streams) for (const payload of datagrams) this.#items.push({ source, port: netflow.port, payload });
  }

  /**
   * Sends `records` once, as IPFIX from one loopback exporter, paced over about `spreadMs`; for
   * flows whose times matter (the demo botnet), which the looping replay would make stale.
   */
  sendOnce(listeners: readonly BoundListener[], records: readonly FlowRecord[], source: string, spreadMs = 3000): void {
    const netflow = listeners.find((l) => l.protocol === 'netflow' && !l.address.includes(':'));
    if (!netflow || records.length === 0) return;
    const unix = Math.floor(Date.now() / 1000);
    const enc = new IpfixEncoder({ domain: 9 });
    const datagrams = [enc.templateMessage(unix), ...enc.dataMessages([...records], unix)];
    const socket = this.#socketFor(source);
    let i = 0;
    const perTick = Math.max(1, Math.ceil(datagrams.length / Math.max(1, spreadMs / 50)));
    const timer = setInterval(() => {
      // stop() closed the sockets: the rest is not sent.
      if (this.#sockets.get(source) !== socket) return clearInterval(timer);
      for (let k = 0; k < perTick && i < datagrams.length; k++) socket.send(datagrams[i++], netflow.port, '127.0.0.1');
      if (i >= datagrams.length) clearInterval(timer);
    }, 50);
    timer.unref();
  }

  size(): number {
    return this.#items.length;
  }

  start(): void {
    if (this.#items.length === 0) return;
    const tickMs = 50;
    const perTick = Math.max(1, Math.round((this.rate * tickMs) / 1000));
    this.#timer = setInterval(() => {
      for (let i = 0; i < perTick; i++) {
        const item = this.#items[this.#next];
        this.#next = (this.#next + 1) % this.#items.length;
        this.#socketFor(item.source).send(item.payload, item.port, '127.0.0.1');
      }
    }, tickMs);
    this.#timer.unref();
    this.log.info({ datagrams: this.#items.length, rate: this.rate }, 'demo replay started (loopback only)');
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    for (const s of this.#sockets.values()) s.close();
    this.#sockets.clear();
  }

  #socketFor(source: string): Socket {
    let s = this.#sockets.get(source);
    if (!s) {
      s = createSocket('udp4');
      s.on('error', () => {});
      s.bind(0, source);
      s.unref();
      this.#sockets.set(source, s);
    }
    return s;
  }
}
