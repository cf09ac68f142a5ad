/**
 * Converter for the CTU-13 botnet captures' labelled Argus bidirectional flows (`*.binetflow`),
 * so that a user who has the files can run `sakimori detect` on them and score the result.
 *
 * Columns (header line, comma-separated; some files add srcUdata,dstUdata before Label):
 *   StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label
 * StartTime is `YYYY/MM/DD hh:mm:ss.ffffff` in the capture's local time; Sport/Dport may be hex
 * (`0x0035`) or empty; Dir is `->`, `<-`, `<->`, `<?>` … padded with spaces; State is Argus's
 * per-side TCP flag string (`S_RA`: source sent SYN, destination RST+ACK) or a UDP/ICMP state;
 * TotPkts/TotBytes count both directions, SrcBytes the source's side. Labels are
 * `flow=From-Botnet-…` (infected host's traffic; `-CC` in the name marks C&C channels),
 * `flow=To-Botnet-…`, `flow=From-Normal-…`/`flow=To-Normal-…` (verified normal hosts) and
 * `flow=Background-…` (unknown: neither truth nor negative).
 * Pure: text in, records and truth out.
 */
import { SakimoriError } from '../core/errors.js';
import { emptyFlowRecord, type FlowRecord } from '../core/flow/flow-record.js';
import type { NegativeItem, ScoringTruth, TruthItem } from './detect-score.js';

export type BinetflowClass = 'botnet' | 'botnet-cc' | 'to-botnet' | 'normal' | 'background' | 'unlabelled';

export interface BinetflowRow {
  line: number;
  start: number;
  durationMs: number;
  proto: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  state: string;
  totPkts: number;
  totBytes: number;
  srcBytes: number;
  label: string;
  cls: BinetflowClass;
}

export interface BinetflowParse {
  rows: BinetflowRow[];
  /** Rows skipped, by reason (non-IP protocol, IPv6, malformed). */
  skipped: Record<string, number>;
}

const PROTOCOLS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, rtp: 17, rtcp: 17, igmp: 2, gre: 47, esp: 50, sctp: 132 };
const TCP_FLAG_LETTERS: Record<string, number> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, U: 0x20, E: 0x40, C: 0x80 };

export function classifyLabel(label: string): BinetflowClass {
  const l = label.replace(/^flow=/, '');
  if (/^From-Botnet/i.test(l)) return /-CC/i.test(l) ? 'botnet-cc' : 'botnet';
  if (/^To-Botnet/i.test(l)) return 'to-botnet';
  if (/^(From|To)-Normal/i.test(l)) return 'normal';
  if (/^Background/i.test(l)) return 'background';
  return 'unlabelled';
}

function port(s: string): number {
  const t = s.trim();
  if (t === '') return 0;
  const n = /^0x/i.test(t) ? parseInt(t, 16) : Number(t);
  return Number.isInteger(n) && n >= 0 && n <= 0xffff ? n : NaN;
}

/** `2011/08/10 09:46:53.058760` (or with dashes) as ms since the epoch, the wall time taken at UTC+offset. */
export function parseStartTime(s: string, utcOffsetMinutes = 0): number {
  const m = /^(\d{4})[/-](\d{2})[/-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(s.trim());
  if (!m) return NaN;
  const frac = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) + frac - utcOffsetMinutes * 60_000;
}

/** Parses a binetflow file. Throws SAKI_ERR_VALIDATION when the header lacks a required column. */
export function parseBinetflow(text: string, options: { utcOffsetMinutes?: number } = {}): BinetflowParse {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const col = (name: string) => {
    const i = header.findIndex((h) => h.toLowerCase() === name.toLowerCase());
    if (i < 0) throw new SakimoriError('SAKI_ERR_VALIDATION', `binetflow header has no ${name} column`);
    return i;
  };
  const c = {
    start: col('StartTime'), dur: col('Dur'), proto: col('Proto'), src: col('SrcAddr'), sport: col('Sport'), dst: col('DstAddr'), dport: col('Dport'),
    state: col('State'), totPkts: col('TotPkts'), totBytes: col('TotBytes'), srcBytes: col('SrcBytes'), label: col('Label'),
  };
  const rows: BinetflowRow[] = [];
  const skipped: Record<string, number> = {};
  const skip = (why: string) => (skipped[why] = (skipped[why] ?? 0) + 1);
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i];
    if (raw.trim() === '') continue;
    const f = raw.split(',');
    if (f.length < header.length) {
      skip('malformed');
      continue;
    }
    const proto = PROTOCOLS[f[c.proto].trim().toLowerCase()];
    if (proto === undefined) {
      skip(`proto ${f[c.proto].trim().toLowerCase()}`);
      continue;
    }
    const src = f[c.src].trim();
    const dst = f[c.dst].trim();
    if (src.includes(':') || dst.includes(':')) {
      skip('ipv6');
      continue;
    }
    const start = parseStartTime(f[c.start], options.utcOffsetMinutes);
    const row: BinetflowRow = {
      line: i + 1,
      start,
      durationMs: Math.round(Number(f[c.dur]) * 1000),
      proto,
      src,
      srcPort: port(f[c.sport]),
      dst,
      dstPort: port(f[c.dport]),
      state: f[c.state].trim(),
      totPkts: Number(f[c.totPkts]),
      totBytes: Number(f[c.totBytes]),
      srcBytes: Number(f[c.srcBytes]),
      // The label is the last column and never contains a comma in CTU-13; join defensively.
      label: f.slice(c.label).join(',').trim(),
      cls: 'unlabelled',
    };
    if (![row.start, row.durationMs, row.srcPort, row.dstPort, row.totPkts, row.totBytes, row.srcBytes].every(Number.isFinite) || !/^\d+\.\d+\.\d+\.\d+$/.test(src) || !/^\d+\.\d+\.\d+\.\d+$/.test(dst)) {
      skip('malformed');
      continue;
    }
    row.cls = classifyLabel(row.label);
    rows.push(row);
  }
  return { rows, skipped };
}

function flagsOf(side: string): number {
  let f = 0;
  for (const ch of side) f |= TCP_FLAG_LETTERS[ch] ?? 0;
  return f;
}

/**
 * Flow records of the rows: one per direction that carried bytes. Packets per direction are split
 * in proportion to the bytes (the file gives only the total), at least 1 for a side with bytes.
 */
export function binetflowToFlowRecords(rows: readonly BinetflowRow[]): FlowRecord[] {
  const out: FlowRecord[] = [];
  for (const r of rows) {
    const [srcState, dstState = ''] = r.proto === 6 ? r.state.split('_') : ['', ''];
    const dstBytes = Math.max(0, r.totBytes - r.srcBytes);
    const srcPkts = r.totBytes > 0 ? Math.max(r.srcBytes > 0 ? 1 : 0, Math.round((r.totPkts * r.srcBytes) / r.totBytes)) : r.totPkts;
    const dstPkts = Math.max(0, r.totPkts - srcPkts);
    const make = (src: string, dst: string, sp: number, dp: number, pkts: number, bytes: number, flags: number) => {
      const f = emptyFlowRecord('ipfix', '127.0.0.1', 1);
      f.start = r.start;
      f.end = r.start + r.durationMs;
      f.src = src;
      f.dst = dst;
      f.srcPort = sp;
      f.dstPort = dp;
      f.proto = r.proto;
      f.tcpFlags = flags;
      f.packets = f.sampledPackets = pkts;
      f.octets = f.sampledOctets = bytes;
      return f;
    };
    if (srcPkts > 0) out.push(make(r.src, r.dst, r.srcPort, r.dstPort, srcPkts, r.srcBytes, flagsOf(srcState)));
    if (dstPkts > 0 && dstBytes > 0) out.push(make(r.dst, r.src, r.dstPort, r.srcPort, dstPkts, dstBytes, flagsOf(dstState)));
  }
  return out;
}

/**
 * Scoring truth from the labels: infected hosts (From-Botnet sources) are bots, the destinations of
 * their C&C-labelled flows are C&C servers; verified normal hosts and the destinations of their
 * flows are the negatives. Background flows count for nothing. CTU-13 does not label scanners or
 * DDoS victims as such, so those kinds have no positives here.
 */
export function truthFromBinetflow(rows: readonly BinetflowRow[]): ScoringTruth {
  const bots = new Map<string, TruthItem>();
  const c2 = new Map<string, TruthItem>();
  const normalHosts = new Map<string, NegativeItem>();
  const normalDests = new Map<string, NegativeItem>();
  for (const r of rows) {
    if (r.cls === 'botnet' || r.cls === 'botnet-cc') {
      const b = bots.get(r.src);
      if (!b) bots.set(r.src, { ip: r.src, from: r.start });
      else b.from = Math.min(b.from!, r.start);
    }
    if (r.cls === 'botnet-cc') {
      const k = `${r.dst}|${r.dstPort}|${r.proto}`;
      const t = c2.get(k);
      if (!t) c2.set(k, { ip: r.dst, port: r.dstPort, proto: r.proto, from: r.start });
      else t.from = Math.min(t.from!, r.start);
    }
    if (r.cls === 'normal' && /^flow=From-Normal/i.test(r.label)) {
      normalHosts.set(r.src, { ip: r.src, what: 'normal-host' });
      normalDests.set(`${r.dst}|${r.dstPort}|${r.proto}`, { ip: r.dst, port: r.dstPort, proto: r.proto, what: 'normal-destination' });
    }
  }
  const c2Ips = new Set([...c2.values()].map((t) => t.ip));
  const botNegatives = [...normalHosts.values()].filter((n) => !bots.has(n.ip));
  return {
    c2: { positives: [...c2.values()], negatives: [...normalDests.values()].filter((n) => !c2Ips.has(n.ip)) },
    bot: { positives: [...bots.values()], negatives: botNegatives },
    scanner: { positives: [], negatives: botNegatives },
    'ddos-victim': { positives: [], negatives: [] },
  };
}
