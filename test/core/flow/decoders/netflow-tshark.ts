import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Independent reading of NetFlow v5/v9 and IPFIX captures by Wireshark's cflow dissector
 * (tshark -T json), the reference the decoder tests compare against. tshark and mergecap must
 * be installed: a missing binary fails the tests rather than skipping them.
 */

const TSHARK = process.env.TSHARK ?? 'tshark';
const MERGECAP = process.env.MERGECAP ?? 'mergecap';

export type Tree = Record<string, unknown>;

/** One NetFlow/IPFIX message as tshark dissected it. */
export interface TsharkMessage {
  frame: number;
  /** Outer IP source: the exporter. */
  exporter: string;
  version: number;
  /** v9 source id / IPFIX observation domain id; 0 for v5. */
  domain: number;
  /** Header time in ms: v5 unix_secs + unix_nsecs, v9 unix_secs, IPFIX export time. */
  exportMs: number;
  /** v5/v9 header sysUptime in ms. */
  sysUptimeMs: number | undefined;
  /** v5 header sample rate (low 14 bits of sampling_interval). */
  v5SampleRate: number;
  /** Data records of data templates (v5 PDUs), in wire order. */
  flows: Tree[];
  /** Data records of options templates, in wire order. */
  options: Tree[];
}

function field(t: Tree, key: string): unknown {
  const v = t[key];
  return Array.isArray(v) ? v[0] : v;
}

/** A numeric tshark field (decimal or 0x-hex); undefined when absent. `index` picks among repeated fields. */
export function num(t: Tree, key: string, index = 0): number | undefined {
  let v = t[key];
  if (Array.isArray(v)) v = v[index];
  else if (index > 0) v = undefined;
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new Error(`tshark field ${key} is not a string: ${JSON.stringify(v)}`);
  return v.startsWith('0x') ? parseInt(v, 16) : Number(v);
}

export function str(t: Tree, key: string): string | undefined {
  const v = field(t, key);
  return typeof v === 'string' ? v : undefined;
}

/** tshark relative time "944948.659000000" (seconds) → ms, exactly to the ms. */
export function secondsToMs(s: string): number {
  const [whole, frac = ''] = s.split('.');
  return Number(whole) * 1000 + Number((frac + '000000000').slice(0, 9)) / 1e6;
}

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** tshark absolute time, "Nov 13, 2023 16:35:30.381000000 UTC" (4.0) or ISO 8601 (newer) → ms. */
export function absoluteToMs(s: string): number {
  let m = /^(\w{3})\s+(\d{1,2}), (\d{4}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))? UTC$/.exec(s);
  if (m) return Date.UTC(Number(m[3]), MONTHS[m[1]], Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6])) + secondsToMs('0.' + (m[7] ?? '0'));
  m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z$/.exec(s);
  if (m) return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) + secondsToMs('0.' + (m[7] ?? '0'));
  throw new Error(`unrecognised tshark time ${s}`);
}

/** Runs tshark on the captures (merged in the given order with mergecap -a) and returns its JSON packets. */
export function tsharkJson(paths: string[], udpPort: number): Tree[] {
  const dir = mkdtempSync(join(tmpdir(), 'sakimori-tshark-'));
  try {
    let file = paths[0];
    if (paths.length > 1) {
      file = join(dir, 'merged.pcap');
      execFileSync(MERGECAP, ['-a', '-F', 'pcap', '-w', file, ...paths], { stdio: ['ignore', 'ignore', 'pipe'] });
    }
    const json = execFileSync(TSHARK, ['-r', file, '-d', `udp.port==${udpPort},cflow`, '-T', 'json', '--no-duplicate-keys'], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      env: { ...process.env, TZ: 'UTC' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return JSON.parse(json) as Tree[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const SET_KEY = /^(?:Flow)?Set \d+ \[id=(\d+)\]/;
const OPTIONS_TEMPLATE_KEY = /^Options Template \(Id = (\d+)\)/;

/** Messages of the captures as tshark reads them, data and options records separated by template kind. */
export function tsharkMessages(paths: string[], udpPort: number): TsharkMessage[] {
  const optionTemplates = new Set<number>();
  const messages: TsharkMessage[] = [];
  for (const packet of tsharkJson(paths, udpPort)) {
    const layers = (packet._source as Tree).layers as Tree;
    const frame = Number(str(layers.frame as Tree, 'frame.number'));
    const ip = (layers.ip ?? layers.ipv6) as Tree;
    const exporter = str(ip, 'ip.src') ?? str(ip, 'ipv6.src') ?? '';
    const cflows = Array.isArray(layers.cflow) ? (layers.cflow as Tree[]) : [layers.cflow as Tree];
    for (const c of cflows) {
      const version = num(c, 'cflow.version') ?? 0;
      const ts = (c['cflow.timestamp_tree'] ?? {}) as Tree;
      let exportMs: number;
      if (version === 10) exportMs = (num(ts, 'cflow.exporttime') ?? 0) * 1000;
      else exportMs = (num(ts, 'cflow.unix_secs') ?? 0) * 1000 + Math.floor((num(ts, 'cflow.unix_nsecs') ?? 0) / 1e6);
      const uptime = str(c, 'cflow.sysuptime');
      const msg: TsharkMessage = {
        frame,
        exporter,
        version,
        domain: version === 10 ? (num(c, 'cflow.od_id') ?? 0) : version === 9 ? (num(c, 'cflow.source_id') ?? 0) : 0,
        exportMs,
        sysUptimeMs: uptime === undefined ? undefined : secondsToMs(uptime),
        v5SampleRate: num(c, 'cflow.samplerate') ?? 0,
        flows: [],
        options: [],
      };
      for (const [key, value] of Object.entries(c)) {
        if (key.startsWith('pdu ')) {
          msg.flows.push(value as Tree);
          continue;
        }
        const set = SET_KEY.exec(key);
        if (!set) continue;
        const setTree = value as Tree;
        for (const k of Object.keys(setTree)) {
          const o = OPTIONS_TEMPLATE_KEY.exec(k);
          if (o) optionTemplates.add(Number(o[1]));
        }
        const id = Number(set[1]);
        if (id < 256) continue;
        for (const [k, v] of Object.entries(setTree)) {
          if (!/^Flow \d+$/.test(k)) continue;
          (optionTemplates.has(id) ? msg.options : msg.flows).push(v as Tree);
        }
      }
      messages.push(msg);
    }
  }
  return messages;
}
