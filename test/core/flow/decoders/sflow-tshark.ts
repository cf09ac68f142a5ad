import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';

/**
 * Independent reading of sFlow captures by Wireshark's dissector (tshark), the reference the
 * decoder tests compare against. tshark must be installed: a missing binary fails the tests.
 */

const run = promisify(execFile);
const TSHARK = process.env.TSHARK ?? 'tshark';

type Tree = Record<string, unknown>;

/** What tshark's dissection of a sampled packet header says, in FlowRecord terms. */
export interface TsharkPacket {
  ipVersion: 4 | 6;
  src: string;
  dst: string;
  /** Upper-layer protocol, or undefined when tshark found no transport layer for an IPv6 packet. */
  proto: number | undefined;
  srcPort: number | undefined;
  dstPort: number | undefined;
  tcpFlags: number | undefined;
  icmpType: number | undefined;
  icmpCode: number | undefined;
  ipLength: number;
}

export interface TsharkSample {
  expanded: boolean;
  samplingRate: number;
  inFormat: number;
  inValue: number;
  outFormat: number;
  outValue: number;
  headerProtocol: number | undefined;
  frameLength: number | undefined;
  /** The header<> bytes of the first raw packet header record, as tshark shows them. */
  header: Uint8Array | undefined;
  /** Dissection of the first raw packet header record, when it holds IP. */
  packet: TsharkPacket | undefined;
  /** The sampled IPv4 / IPv6 data record (formats 3 and 4). */
  sampledIp: { ipVersion: 4 | 6; length: number; proto: number; src: string; dst: string; srcPort: number; dstPort: number } | undefined;
  gateway: { as: number; srcAs: number; dstPath: number[] } | undefined;
}

export interface TsharkDatagram {
  subAgentId: number;
  samples: TsharkSample[];
  /** Bytes the datagram header and its declared samples (of any type) span; the rest is trailing data. */
  declaredLength: number;
  /** Top-level layers of the frame (tshark places VXLAN-inner layers here). */
  layers: Tree;
}

function num(v: unknown): number {
  if (Array.isArray(v)) v = v[0];
  if (typeof v !== 'string') throw new Error(`tshark field missing or not a string: ${JSON.stringify(v)}`);
  return v.startsWith('0x') ? parseInt(v, 16) : Number(v);
}

function opt(v: unknown): number | undefined {
  return v === undefined ? undefined : num(v);
}

function first(v: unknown): Tree | undefined {
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v[0] : v) as Tree;
}

/** Children of a tree node whose key matches, with --no-duplicate-keys arrays expanded, in order. */
function children(t: Tree, match: (k: string) => boolean): [string, Tree][] {
  const out: [string, Tree][] = [];
  for (const [k, v] of Object.entries(t)) {
    if (!match(k)) continue;
    if (Array.isArray(v)) for (const x of v) out.push([k, x as Tree]);
    else out.push([k, v as Tree]);
  }
  return out;
}

/** Reads the decoded layers of a packet (eth, vlan, mpls, ip/ipv6, tcp/udp/icmp …) as tshark dissected them. */
export function packetFromLayers(layers: Tree): TsharkPacket | undefined {
  const ip = first(layers['ip']);
  const ip6 = first(layers['ipv6']);
  const tcp = first(layers['tcp']);
  const udp = first(layers['udp']);
  const sctp = first(layers['sctp']);
  const icmp = first(layers['icmp']) ?? first(layers['icmpv6']);
  let p: TsharkPacket;
  if (ip !== undefined) {
    p = { ipVersion: 4, src: String(ip['ip.src']), dst: String(ip['ip.dst']), proto: num(ip['ip.proto']), srcPort: undefined, dstPort: undefined, tcpFlags: undefined, icmpType: undefined, icmpCode: undefined, ipLength: num(ip['ip.len']) };
  } else if (ip6 !== undefined) {
    const transport = tcp ? 6 : udp ? 17 : layers['icmpv6'] ? 58 : layers['sctp'] ? 132 : undefined;
    p = { ipVersion: 6, src: String(ip6['ipv6.src']), dst: String(ip6['ipv6.dst']), proto: transport, srcPort: undefined, dstPort: undefined, tcpFlags: undefined, icmpType: undefined, icmpCode: undefined, ipLength: num(ip6['ipv6.plen']) + 40 };
  } else {
    return undefined;
  }
  if (tcp !== undefined) {
    p.srcPort = num(tcp['tcp.srcport']);
    p.dstPort = num(tcp['tcp.dstport']);
    if (tcp['tcp.flags'] !== undefined) p.tcpFlags = num(tcp['tcp.flags']) & 0xff;
  } else if (udp !== undefined) {
    p.srcPort = num(udp['udp.srcport']);
    p.dstPort = num(udp['udp.dstport']);
  } else if (sctp !== undefined) {
    p.srcPort = num(sctp['sctp.srcport']);
    p.dstPort = num(sctp['sctp.dstport']);
  } else if (icmp !== undefined) {
    p.icmpType = opt(icmp['icmp.type'] ?? icmp['icmpv6.type']);
    p.icmpCode = opt(icmp['icmp.code'] ?? icmp['icmpv6.code']);
  }
  return p;
}

function sample(s: Tree, expanded: boolean): TsharkSample {
  const f = 'sflow.flow_sample.';
  let inFormat: number;
  let inValue: number;
  let outFormat: number;
  let outValue: number;
  if (expanded) {
    inFormat = num(s[f + 'input_interface_format']);
    inValue = num(s[f + 'input_interface_value']);
    outFormat = num(s[f + 'output_interface.format'] ?? s[f + 'output_interface_format']);
    outValue = num(s[f + 'output_interface_value']);
  } else {
    const input = num(s[f + 'input_interface']);
    inFormat = input >>> 30;
    inValue = input & 0x3fffffff;
    const tree = s[f + 'output_interface_tree'] as Tree;
    outFormat = num(tree[f + 'output_interface_format']);
    outValue = num(tree[f + 'output_interface_value']);
  }
  const raw = children(s, (k) => k === 'Raw packet header')[0]?.[1];
  const headerTree = raw?.['sflow_245.header_tree'] as Tree | undefined;
  const ipData = children(s, (k) => k === 'IPv4 data' || k === 'IPv6 data')[0];
  let sampledIp: TsharkSample['sampledIp'];
  if (ipData !== undefined) {
    const [k, t] = ipData;
    const v6 = k === 'IPv6 data';
    sampledIp = {
      ipVersion: v6 ? 6 : 4,
      length: num(t['sflow_245.ip.length']),
      proto: num(t['sflow.ip_protocol']),
      src: String(t[v6 ? 'sflow_245.ipv6_src' : 'sflow_245.ipv4_src']),
      dst: String(t[v6 ? 'sflow_245.ipv6_dst' : 'sflow_245.ipv4_dst']),
      srcPort: num(t['sflow_245.ip.source_port']),
      dstPort: num(t['sflow.ip.destination_port']),
    };
  }
  const gw = children(s, (k) => k === 'Extended gateway data')[0]?.[1];
  let gateway: TsharkSample['gateway'];
  if (gw !== undefined) {
    const dstPath: number[] = [];
    for (const [, seg] of children(gw, (k) => k === 'sflow.as_type_tree')) {
      const ases = seg['sflow_245.dstAS'];
      for (const a of Array.isArray(ases) ? ases : ases === undefined ? [] : [ases]) dstPath.push(num(a));
    }
    gateway = { as: num(gw['sflow_245.as']), srcAs: num(gw['sflow_245.srcAS']), dstPath };
  }
  return {
    expanded,
    samplingRate: num(s[f + 'sampling_rate']),
    inFormat,
    inValue,
    outFormat,
    outValue,
    headerProtocol: opt(raw?.['sflow_245.header_protocol']),
    frameLength: opt(raw?.['sflow_245.header.frame_length']),
    header: typeof raw?.['sflow_245.header'] === 'string' ? Uint8Array.from(raw['sflow_245.header'].split(':').map((x) => parseInt(x, 16))) : undefined,
    packet: headerTree ? packetFromLayers(headerTree) : undefined,
    sampledIp,
    gateway,
  };
}

async function tsharkJson(file: string, extra: string[]): Promise<Tree[]> {
  const { stdout } = await run(TSHARK, ['-r', file, ...extra, '-T', 'json', '--no-duplicate-keys'], { maxBuffer: 256 * 1024 * 1024 });
  const frames = JSON.parse(stdout) as { _source: { layers: Tree } }[];
  return frames.map((x) => x._source.layers);
}

/** Every frame of an sFlow capture, one entry per frame, flow samples in datagram order. */
export async function tsharkSflow(file: string): Promise<TsharkDatagram[]> {
  const frames = await tsharkJson(file, ['-d', 'udp.port==6343,sflow']);
  return frames.map((layers) => {
    const sflow = layers['sflow'] as Tree | undefined;
    if (sflow === undefined) throw new Error(`tshark found no sFlow in a frame of ${file}`);
    const samples = children(sflow, (k) => /^(Expanded )?[Ff]low sample/.test(k)).map(([k, s]) => sample(s, k.startsWith('Expanded')));
    let declaredLength = 8 + (num(sflow['sflow_245.agenttype']) === 2 ? 16 : 4) + 16;
    for (const [, s] of children(sflow, (k) => /sample/i.test(k) && typeof sflow[k] === 'object')) declaredLength += 8 + num(s['sflow_5.sample_length']);
    return { subAgentId: num(sflow['sflow_245.sub_agent_id']), samples, declaredLength, layers };
  });
}

/** Writes Ethernet frames to a classic pcap file (tcpdump.org/manpages/pcap-savefile.5.html). */
export async function writeEthernetPcap(file: string, frames: Uint8Array[]): Promise<void> {
  const parts: Uint8Array[] = [];
  const global = new DataView(new ArrayBuffer(24));
  global.setUint32(0, 0xa1b2c3d4, true);
  global.setUint16(4, 2, true);
  global.setUint16(6, 4, true);
  global.setUint32(16, 65535, true);
  global.setUint32(20, 1, true);
  parts.push(new Uint8Array(global.buffer));
  for (const f of frames) {
    const rec = new DataView(new ArrayBuffer(16));
    rec.setUint32(8, f.length, true);
    rec.setUint32(12, f.length, true);
    parts.push(new Uint8Array(rec.buffer), f);
  }
  await writeFile(file, Buffer.concat(parts));
}

/** tshark's layers for each frame of a pcap, IP reassembly off: each frame is judged alone, as a sampled header is. */
export async function tsharkFrames(file: string): Promise<Tree[]> {
  return tsharkJson(file, ['-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE']);
}
